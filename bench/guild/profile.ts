/**
 * `tsx bench/guild/profile.ts`: one contender (PROFILE_CONTENDER, default marquee) on the Guild
 * workload, pinned as in the benchmark, primed and settled, then PROFILE_SECONDS (default 10) of
 * load: requests/s, gateway CPU per request, peak RSS. With PROFILE_CPU=<dir>, Marquee runs under
 * `node --cpu-prof` and writes its profile there when stopped. For finding what an answer costs,
 * not for figures (those come from `npm run bench`, interleaved and in rounds).
 */
import { spawnSync } from 'node:child_process';
import { startRedis } from '../../local/redis';
import { allContenders, buildContenders } from '../contenders';
import { Harness } from '../harness';
import { primeGatewayBound } from '../sections/gateway-bound';
import { startGuildSetup } from '../sections/guild';
import { GUILD_CONNECTIONS, LOAD_CORE, log } from '../settings';
import { guildWorkload } from './workload';

async function main() {
  const name = process.env.PROFILE_CONTENDER ?? 'marquee';
  const seconds = Number(process.env.PROFILE_SECONDS ?? 10);
  if (process.env.PROFILE_CPU) process.env.BENCH_MARQUEE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${process.env.PROFILE_CPU}`;
  spawnSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  if (process.env.PROFILE_BUILD !== '0') buildContenders();
  const redis = await startRedis({});
  const setup = await startGuildSetup(redis.url);
  try {
    const c = allContenders({ stack: setup.env, rawBodiesFile: '' }).find((x) => x.name === name);
    if (!c) throw new Error(`no contender ${name}`);
    const harness = new Harness(true, () => '');
    const w = guildWorkload();
    await harness.withContender(c, async (running) => {
      await primeGatewayBound(harness, running.url, w, GUILD_CONNECTIONS);
      const m = await harness.measure(running, w, { seconds }, { connections: GUILD_CONNECTIONS, replay: setup.replay });
      log(
        `${name}: ${m.r.requestsPerSecond} req/s, ${m.cpuMsPerOp} CPU ms/req, p99 ${m.r.p99} ms, ${m.peakRssMb} MB, errors ${m.r.errors}${m.r.errors ? ` e.g. ${m.r.errorSamples[0]}` : ''}, replay hits ${m.replayHitRatio}`,
      );
    });
  } finally {
    await setup.stop();
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
