/**
 * W4 "browse while others write" (issue #19, bench/browse-while-writing.ts): every contender but
 * the raw server (it has no writes to race) over the real stack, warm only (primed with W1's
 * page), in the upstream table; the staleness every reader saw is checked and reported.
 */
import { browseWhileWriting, pageFilms } from '../browse-while-writing';
import { CONNECTIONS } from '../settings';
import { requireStack, type SectionContext } from './context';

export async function runBrowseWrite(ctx: SectionContext): Promise<void> {
  const s = requireStack(ctx, 'w4');
  const w4 = browseWhileWriting(CONNECTIONS);
  await ctx.harness.runRounds({
    mode: 'upstream',
    contenders: ctx.contenders({ stack: s.stack.env, rawBodiesFile: s.rawBodiesFile }).filter((c) => c.name !== 'raw node:http'),
    connections: CONNECTIONS,
    workloadsFor: () => [w4],
    phasesFor: () => ['warm'],
    prime: async (_c, url, w) => {
      w4.setFilms(await pageFilms(url));
      await ctx.harness.prime(url, w);
    },
    upstream: s.upstream,
  });
}
