import pino from 'pino';
import { Registry } from 'prom-client';
import { RecentWriters, SubgraphAnswerCache, remainingHint, storableFor } from '../../gateway/subgraph-cache';
import { findFreePort } from '../../local/processes';
import { redisClients } from '../support/redis-clients';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('which answers the subgraph cache keeps', () => {
  it('keeps only public answers with a max-age and no errors, for that max-age', () => {
    expect(storableFor({ maxAge: 30, scope: 'PUBLIC' }, { errors: undefined })).toBe(30);
    expect(storableFor({ maxAge: 30, scope: 'PUBLIC' }, { errors: [] })).toBe(30);
    expect(storableFor({ maxAge: 30, scope: 'PRIVATE' }, {})).toBe(0);
    expect(storableFor({ maxAge: 30 }, {})).toBe(0);
    expect(storableFor({ maxAge: 0, scope: 'PUBLIC' }, {})).toBe(0);
    expect(storableFor({ maxAge: 30, scope: 'PUBLIC' }, { errors: [{ message: 'NOT_FOUND' }] })).toBe(0);
  });

  it('gives a hit the whole seconds it has left, and nothing below one', () => {
    expect(remainingHint({ text: '{}', expiresAt: 10_000 }, 0)).toEqual({ maxAge: 10, scope: 'PUBLIC' });
    expect(remainingHint({ text: '{}', expiresAt: 10_000 }, 2_500)).toEqual({ maxAge: 7, scope: 'PUBLIC' });
    expect(remainingHint({ text: '{}', expiresAt: 10_000 }, 9_001)).toBeUndefined();
    expect(remainingHint({ text: '{}', expiresAt: 10_000 }, 12_000)).toBeUndefined();
  });
});

describe('RecentWriters', () => {
  it('remembers a writer for the longest max-age the subgraph has given', () => {
    let now = 0;
    const writers = new RecentWriters(() => now);
    // Nothing kept yet, nothing to read past.
    writers.wrote('u1');
    expect(writers.has('u1')).toBe(false);
    writers.saw(30);
    writers.saw(10);
    writers.wrote('u1');
    expect(writers.has('u1')).toBe(true);
    expect(writers.has('u2')).toBe(false);
    now = 29_999;
    expect(writers.has('u1')).toBe(true);
    now = 30_000;
    expect(writers.has('u1')).toBe(false);
  });
});

describe('SubgraphAnswerCache in memory', () => {
  it('answers until the entry expires, with the remaining max-age', () => {
    let now = 1_000_000;
    const cache = new SubgraphAnswerCache({ now: () => now });
    const key = cache.key('movies', 'http://movies/graphql', '{"query":"{ a }"}');
    expect(cache.peek(key)).toBeUndefined();
    cache.store(key, '{"data":{"a":1}}', 60);
    expect(cache.peek(key)).toEqual({ text: '{"data":{"a":1}}', maxAge: 60 });
    now += 45_500;
    expect(cache.peek(key)).toEqual({ text: '{"data":{"a":1}}', maxAge: 14 });
    now += 14_000;
    expect(cache.peek(key)).toBeUndefined();
    now -= 30_000;
    // Gone for good once seen expired.
    expect(cache.peek(key)).toBeUndefined();
  });

  it('keys by subgraph, subgraph URL and body', () => {
    const cache = new SubgraphAnswerCache();
    const keys = new Set([
      cache.key('movies', 'http://movies/graphql', 'a'),
      cache.key('ratings', 'http://movies/graphql', 'a'),
      cache.key('movies', 'http://other/graphql', 'a'),
      cache.key('movies', 'http://movies/graphql', 'b'),
    ]);
    expect(keys.size).toBe(4);
    expect(cache.key('movies', 'http://movies/graphql', 'a')).toMatch(/^marquee:sc:movies:[A-Za-z0-9_-]{43}$/);
  });

  it('stays within its byte bound, dropping the least recently used', () => {
    const cache = new SubgraphAnswerCache({ memoryBytes: 10_000 });
    const text = 'x'.repeat(1_000); // ~2 kB each as counted
    for (let i = 0; i < 10; i++) cache.store(`k${i}`, text, 60);
    const kept = Array.from({ length: 10 }, (_, i) => cache.peek(`k${i}`) !== undefined);
    expect(kept.filter(Boolean).length).toBeLessThanOrEqual(4);
    expect(kept.slice(-4)).toEqual([true, true, true, true]);
    expect(kept[0]).toBe(false);
    // An answer larger than the whole bound is not kept at all.
    cache.store('huge', 'x'.repeat(10_000), 60);
    expect(cache.peek('huge')).toBeUndefined();
  });

  it('never stores for a max-age of 0', () => {
    const cache = new SubgraphAnswerCache();
    cache.store('k', '{}', 0);
    expect(cache.peek('k')).toBeUndefined();
  });

  it('counts hits and misses by subgraph', async () => {
    const registry = new Registry();
    const cache = new SubgraphAnswerCache({ registry });
    cache.count('movies', 'hit');
    cache.count('movies', 'hit');
    cache.count('ratings', 'miss');
    const metric = await registry.getSingleMetricAsString('marquee_gateway_subgraph_cache_total');
    expect(metric).toContain('marquee_gateway_subgraph_cache_total{subgraph="movies",result="hit"} 2');
    expect(metric).toContain('marquee_gateway_subgraph_cache_total{subgraph="ratings",result="miss"} 1');
  });
});

describe('SubgraphAnswerCache with Redis down', () => {
  const { client } = redisClients();

  it('treats Redis being down as a miss, and writes to it as no-ops', async () => {
    const dead = client(`redis://127.0.0.1:${await findFreePort()}`);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const cache = new SubgraphAnswerCache({ redis: dead, logger });
    await expect(cache.lookup('marquee:sc:movies:x')).resolves.toBeUndefined();
    cache.store('marquee:sc:movies:y', '{}', 30);
    await settle();
    // The memory tier still works; one warning, not one per command.
    expect(cache.peek('marquee:sc:movies:y')).toEqual({ text: '{}', maxAge: expect.any(Number) });
    await expect(cache.lookup('marquee:sc:movies:z')).resolves.toBeUndefined();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['subgraph cache: redis unavailable; memory only']);
  });
});
