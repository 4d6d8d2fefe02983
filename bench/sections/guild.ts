/**
 * The Guild's gateways-benchmark workload (bench/guild/): its four subgraphs, written here, behind
 * replaying stand-ins, its supergraph and its query, for the gateway-bound contenders (dedup off
 * and on), with every answer compared byte for byte with the reference answer. Needs no stack:
 * only the run's Redis (Marquee's rate limits).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { generateGatewayKeys } from '../../platform/identity';
import { startGuildSubgraphs, type GuildSubgraphName } from '../../workloads/guild/subgraphs';
import { writeGuildSupergraph } from '../../workloads/guild/supergraph';
import { guildWorkload } from '../guild/workload';
import { startReplaySubgraph, type ReplaySubgraph } from '../replay-subgraphs';
import { GUILD_CONNECTIONS, log } from '../settings';
import type { SectionContext } from './context';
import { GATEWAY_BOUND_CONTENDERS, primeGatewayBound } from './gateway-bound';

// Not called by this supergraph; the contenders' configuration requires them.
const UNUSED_URL = 'http://127.0.0.1:9/graphql';

/** The Guild's subgraphs behind replaying stand-ins, and the contenders' environment over them. */
export interface GuildSetup {
  env: Record<string, string>;
  replay: Record<GuildSubgraphName, ReplaySubgraph>;
  stop(): Promise<void>;
}

export async function startGuildSetup(redisUrl: string): Promise<GuildSetup> {
  const subgraphs = await startGuildSubgraphs();
  const replay = {} as Record<GuildSubgraphName, ReplaySubgraph>;
  let supergraph: string | undefined;
  const stop = async () => {
    await Promise.all(Object.values(replay).map((r) => r.close()));
    await subgraphs.stop();
    if (supergraph) rmSync(supergraph, { force: true });
  };
  try {
    for (const [name, url] of Object.entries(subgraphs.urls) as [GuildSubgraphName, string][]) replay[name] = await startReplaySubgraph(name, url);
    supergraph = writeGuildSupergraph(Object.fromEntries(Object.entries(replay).map(([name, r]) => [name, r.url])) as Record<GuildSubgraphName, string>);
  } catch (err) {
    await stop();
    throw err;
  }
  const env = {
    GATEWAY_SIGNING_KEY: generateGatewayKeys().signingKey,
    JWT_SECRET: randomBytes(32).toString('hex'),
    REDIS_URL: redisUrl,
    MOVIES_URL: UNUSED_URL,
    RATINGS_URL: UNUSED_URL,
    NOTIFICATIONS_URL: UNUSED_URL,
    AVAILABILITY_URL: UNUSED_URL,
    SUPERGRAPH_PATH: supergraph,
  };
  return { env, replay, stop };
}

export async function runGuild(ctx: SectionContext): Promise<void> {
  const setup = await startGuildSetup(ctx.redisUrl);
  try {
    const contenders = ctx.contenders({ stack: setup.env, rawBodiesFile: '' }).filter((c) => GATEWAY_BOUND_CONTENDERS.includes(c.name));
    const w = guildWorkload();
    log(`guild: ${contenders.map((c) => c.name).join(', ')}, ${GUILD_CONNECTIONS} connections, answers of ${w.expect!.length} bytes`);
    ctx.settings.guildConnections = GUILD_CONNECTIONS;
    ctx.settings.guildAnswerBytes = w.expect!.length;
    await ctx.harness.runRounds({
      mode: 'guild',
      contenders,
      connections: GUILD_CONNECTIONS,
      workloadsFor: () => [w],
      phasesFor: () => ['warm'],
      prime: (_c, url) => primeGatewayBound(ctx.harness, url, w, GUILD_CONNECTIONS),
      replay: setup.replay,
    });
  } finally {
    for (const r of Object.values(setup.replay)) ctx.replay.push({ section: 'guild', subgraph: r.name, recorded: r.recorded(), ...r.stats });
    await setup.stop();
  }
}
