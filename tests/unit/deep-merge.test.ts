import { readFileSync } from 'node:fs';
import { deepMerge, install } from '../../gateway/apollo-patches/deep-merge';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- Apollo's own deepMerge, from the module object the patch replaces it in
const apollo = (require('@apollo/gateway/dist/utilities/deepMerge') as { deepMerge: (t: unknown, s: unknown) => unknown }).deepMerge;

// Small key space and shapes so random targets and sources overlap often.
function rand(seed: { v: number }): number {
  seed.v = (seed.v * 1103515245 + 12345) & 0x7fffffff;
  return seed.v / 0x7fffffff;
}
function tree(seed: { v: number }, depth: number): unknown {
  const r = rand(seed);
  if (depth <= 0 || r < 0.25) return [null, undefined, 1, 'x', true, 0][Math.floor(rand(seed) * 6)];
  if (r < 0.45) return Array.from({ length: Math.floor(rand(seed) * 3) }, () => tree(seed, depth - 1));
  const o: Record<string, unknown> = {};
  for (const k of ['a', 'b', 'c', 'd']) if (rand(seed) < 0.6) o[k] = tree(seed, depth - 1);
  return o;
}

describe('deep-merge patch', () => {
  it('gives the same tree as Apollo’s deepMerge on 5,000 random pairs', () => {
    const seed = { v: 42 };
    let threw = 0;
    for (let n = 0; n < 5000; n++) {
      const t = tree(seed, 5);
      const s = tree(seed, 5);
      const target = typeof t === 'object' && t !== null && !Array.isArray(t) ? t : { a: t };
      const a = structuredClone(target);
      const b = structuredClone(target);
      const src = structuredClone(s);
      // Apollo throws (`in` on a primitive) when an object meets a truthy scalar; so must this.
      const run = (f: () => unknown) => {
        try {
          return { value: f() };
        } catch (err) {
          return { threw: (err as Error).constructor.name };
        }
      };
      const want = run(() => apollo(a, structuredClone(s)));
      if ('threw' in want) threw++;
      expect(run(() => deepMerge(b as Record<string, unknown>, src))).toEqual(want);
      expect(b).toEqual(a);
    }
    // The random trees must mostly merge, not throw, for the comparison to mean something.
    expect(threw).toBeLessThan(2500);
  });
  it('takes effect: executeQueryPlan calls deepMerge through the module object install() writes to', () => {
    const src = readFileSync(require.resolve('@apollo/gateway/dist/executeQueryPlan.js'), 'utf8');
    expect(src).toMatch(/\(0, deepMerge_1\.deepMerge\)\(/);
    expect(src).not.toMatch(/\{\s*deepMerge\s*\}\s*=\s*require/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object the patch writes to
    const mod = require('@apollo/gateway/dist/utilities/deepMerge') as { deepMerge: unknown };
    const before = mod.deepMerge;
    install();
    expect(mod.deepMerge).toBe(deepMerge);
    mod.deepMerge = before;
  });
  it('defines an own property over an inherited one, as Apollo does', () => {
    const target = Object.create({ x: { y: 1 } }) as Record<string, unknown>;
    deepMerge(target, { x: { z: 2 } });
    expect(Object.prototype.hasOwnProperty.call(target, 'x')).toBe(true);
    expect(target.x).toEqual({ z: 2 });
  });
});
