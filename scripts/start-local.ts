/**
 * `npm start`: the whole supergraph on this machine, with local stand-ins for anything the
 * environment does not point at. Ctrl-C stops everything.
 */
import path from 'node:path';
import { hashApiKey } from '../gateway/pipeline/partner-key';
import { LOCAL_PROVIDER } from '../local/defaults';
import { startStack } from '../local/stack';
import { makeToken } from './token';

/** The environment `npm start` runs with: a provider key for feed uploads unless PARTNER_KEYS names real partners. */
export function localModeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.PARTNER_KEYS) return env;
  const partners = [{ id: LOCAL_PROVIDER.id, tier: 'standard', sha256: hashApiKey(LOCAL_PROVIDER.key), roles: ['provider'] }];
  return { ...env, PARTNER_KEYS: JSON.stringify(partners) };
}

async function main() {
  const started = Date.now();
  const toConsole = process.env.LOG_TO_CONSOLE === 'true';
  const logDir = path.resolve(__dirname, '..', '.local', 'logs');
  const env = localModeEnv(process.env);
  const stack = await startStack({ env, logDir: toConsole ? undefined : logDir, onStep: (m) => console.log(`• ${m}`), localRedis: true });
  const token = await makeToken('dev-user', stack.env.JWT_SECRET);
  const gateway = stack.gatewayUrl.replace('127.0.0.1', 'localhost');
  const sandbox = gateway.replace(/\/graphql$/, '');
  console.log(`
  Marquee is running (${((Date.now() - started) / 1000).toFixed(1)}s)

  Gateway                   ${gateway}
  Apollo Sandbox            ${sandbox} (opens the gateway in your browser)
  Subgraphs                 movies        ${stack.urls.movies}
                            ratings       ${stack.urls.ratings}
                            notifications ${stack.urls.notifications}
                            availability  ${stack.urls.availability}
                            (they answer only requests signed by the gateway)
  Local stand-ins           ${stack.standIns.length ? stack.standIns.join('\n                            ') : 'none: every service points at real endpoints'}
  Logs                      ${toConsole ? 'this terminal' : logDir}
  Feed processor            queue ${stack.env.FEED_QUEUE_URL ?? '(none)'}${stack.feedBridge ? `\n                            uploads go through the local bridge ${stack.feedBridge.url}` : ''}
  Score snapshot            ${Number(stack.env.SCORE_SNAPSHOT_INTERVAL_MINUTES ?? 60) > 0 ? `every ${stack.env.SCORE_SNAPSHOT_INTERVAL_MINUTES ?? 60} min` : 'off'} (SCORE_SNAPSHOT_INTERVAL_MINUTES)

  Dev token (user "dev-user"; \`npm run token -- <userId>\` makes others):
  ${token}
${
  env.PARTNER_KEYS === process.env.PARTNER_KEYS
    ? ''
    : `
  Provider key (partner "${LOCAL_PROVIDER.id}", role provider: feed uploads, docs/availability.md), sent as x-api-key:
  ${LOCAL_PROVIDER.key}
`
}
  Try:  curl -s ${gateway} -H 'content-type: application/json' \\
          -d '{"query":"{ popularMovies { results { id title ratingSummary { average count } followerCount } } }"}'

  Ctrl-C stops everything.
`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n• stopping...');
    await stack.stop();
    console.log('• stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

if (require.main === module)
  main().catch((err) => {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
