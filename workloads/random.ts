/**
 * Seeded randomness shared by the benchmark and the tests, so both draw the same sequences:
 * mulberry32 (a small, fast 32-bit generator) and a Zipf sampler over it.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Zipf (s = 1) over the catalogue in popularity order: the k-th most popular film is asked for
 * in proportion to 1/k, as page views are in real life. Seeded, so every contender gets the same
 * sequence of ids.
 */
export function zipf(ids: string[], seed: number): () => string {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= ids.length; k++) cumulative.push((total += 1 / k));
  const random = mulberry32(seed);
  return () => {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return ids[lo];
  };
}
