// The subgraph answer cache's Redis tier, on the shared redis-server and on one of its own
// (moved from tests/unit: it needs redis-server).
import { SubgraphAnswerCache } from '../../gateway/subgraph-cache';
import { startRedis } from '../../local/redis';
import { servers } from '../support/env';
import { redisClients } from '../support/redis-clients';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('SubgraphAnswerCache over Redis', () => {
  const { ready } = redisClients();

  it('shares entries between instances through Redis, with their expiry', async () => {
    const redis = await ready(servers().redis);
    const a = new SubgraphAnswerCache({ redis });
    const b = new SubgraphAnswerCache({ redis });
    const key = a.key('movies', `http://unit-${Date.now()}/graphql`, '{"query":"{ a }"}');
    a.store(key, '{"data":{"a":1}}', 30);
    await settle();
    expect(b.peek(key)).toBeUndefined();
    expect(await b.lookup(key)).toEqual({ text: '{"data":{"a":1}}', maxAge: expect.any(Number) });
    // …and from then on b holds it in memory.
    expect(b.peek(key)?.text).toBe('{"data":{"a":1}}');
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(28_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    // Another instance whose clock says the entry is past its max-age does not take it.
    const later = new SubgraphAnswerCache({ redis, now: () => Date.now() + 30_000 });
    expect(await later.lookup(key)).toBeUndefined();
  });

  it('misses, without failing, when Redis stops in the middle', async () => {
    const own = await startRedis();
    try {
      const redis = await ready(own.url);
      const cache = new SubgraphAnswerCache({ redis });
      const other = new SubgraphAnswerCache({ redis });
      const key = cache.key('ratings', 'http://ratings/graphql', 'q');
      cache.store(key, '{"data":{}}', 30);
      await settle();
      expect(await other.lookup(key)).toBeDefined();
      await own.stop();
      const fresh = new SubgraphAnswerCache({ redis });
      await expect(fresh.lookup(key)).resolves.toBeUndefined();
    } finally {
      await own.stop();
    }
  });
});
