// The entity cache's generation counters on the shared redis-server: two instances stand for two
// gateway replicas against one Redis.
import { Generations, type InvalidationMessage } from '../../gateway/entity-cache/generations';
import { dependency } from '../../gateway/entity-cache/tags';
import { servers } from '../support/env';
import { redisClients } from '../support/redis-clients';

describe('entity cache generations over Redis', () => {
  const { ready } = redisClients();

  it('a bump in one replica changes what the other reads, within the pub/sub delay', async () => {
    const url = servers().redis;
    // A long memo: only the pub/sub message can make replica b see the bump this fast.
    const a = new Generations(await ready(url), await ready(url), 60_000);
    const b = new Generations(await ready(url), await ready(url), 60_000);
    await new Promise((r) => setTimeout(r, 100)); // subscriptions in place
    const dep = dependency.entity('Movie', { id: `t-${Date.now()}` });
    expect(await b.read([dep])).toEqual([null]);
    const heard = new Promise<InvalidationMessage>((resolve) => b.onInvalidation(resolve));
    const committedAt = Date.now();
    await a.bump([dep], committedAt);
    const message = await heard;
    expect(message).toEqual({ deps: [dep], committedAt });
    expect(Date.now() - committedAt).toBeLessThan(1000);
    expect(await b.read([dep])).toEqual(['1']);
    await a.bump([dep]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.read([dep])).toEqual(['2']);
  });
});
