/**
 * Apollo's federation packages are compiled by TypeScript to CommonJS, whose `export * from`
 * becomes a getter per name on the package's index: every `federation_internals_1.isListType(…)`
 * in @apollo/gateway's result shaping calls a getter. Profiled under load that is ~5 % of the
 * gateway's CPU, and ~13 % less CPU per operation on the W1 benchmark without it
 * (docs/performance.md).
 *
 * Before @apollo/gateway is loaded, each package index is replaced in the module cache by a plain
 * object holding the same values. Safe because these packages assign every export once, at load
 * time (no export is reassigned later: tests/unit/flatten-exports.test.ts checks the dist files).
 */
export const FLATTENED_PACKAGES = ['@apollo/federation-internals', '@apollo/query-graphs', '@apollo/query-planner'];

/** Returns the packages whose index it replaced. */
export function flattenExports(packages: string[] = FLATTENED_PACKAGES): string[] {
  const done: string[] = [];
  for (const name of packages) {
    const resolved = require.resolve(name);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the live CommonJS exports object, copied and put back flat
    const live = require(name) as Record<string, unknown>;
    const flat: Record<string, unknown> = { ...live };
    Object.defineProperty(flat, '__esModule', { value: true });
    const cached = require.cache[resolved];
    if (cached) {
      cached.exports = flat;
      done.push(name);
    }
  }
  return done;
}
