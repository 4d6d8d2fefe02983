// The entity cache's generation counters on the shared redis-server: two instances stand for two
// gateway replicas against one Redis.
import type { GraphQLRequestContext } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { fetchDependencies, generationsOf, RequestDependencies } from '../../gateway/entity-cache/fetch-deps';
import { Generations, type InvalidationMessage } from '../../gateway/entity-cache/generations';
import { DependentResponseCache } from '../../gateway/entity-cache/response-cache';
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

  it('drops a cached response once a film it showed is invalidated, and keeps the others', async () => {
    const url = servers().redis;
    const generations = new Generations(await ready(url), await ready(url), 60_000);
    await new Promise((r) => setTimeout(r, 100));
    const films = [`r-${Date.now()}`, `s-${Date.now()}`];
    const responses = new DependentResponseCache(generations, (c) => c.cacheDependencies as RequestDependencies | undefined);
    const cache = responses.wrap(new InMemoryLRUCache<string>());

    // One response per film, each made from one _entities fetch under the generations read then.
    const store = async (film: string): Promise<string> => {
      const deps = fetchDependencies('ratings', { representations: [{ __typename: 'Movie', id: film }] });
      const context = { cacheDependencies: new RequestDependencies() };
      context.cacheDependencies.record(deps, await generationsOf(generations, deps));
      const key = responses.generateCacheKey({ contextValue: context } as unknown as GraphQLRequestContext<Record<string, unknown>>, { film });
      await cache.set(`fqc:${key}`, `{"data":"${film}"}`, { ttl: 30 });
      return `fqc:${key}`;
    };
    const [a, b] = [await store(films[0]), await store(films[1])];
    expect(await cache.get(a)).toBe(`{"data":"${films[0]}"}`);

    await generations.bump([dependency.entity('Movie', { id: films[0] })]);
    expect(await cache.get(a)).toBeUndefined();
    expect(await cache.get(b)).toBe(`{"data":"${films[1]}"}`);
    // The entry stored again under the new generation is found again.
    expect(await cache.get(await store(films[0]))).toBe(`{"data":"${films[0]}"}`);
  });

  it("says what a fetch depends on: its subgraph, and each representation's type and entity", () => {
    expect(fetchDependencies('movies', { id: '550' })).toEqual([dependency.subgraph('movies')]);
    expect(
      fetchDependencies('ratings', {
        representations: [{ __typename: 'Movie', id: '550' }, { __typename: 'Movie', id: '680' }, { __typename: 'Movie', id: '550' }, null],
      }),
    ).toEqual([
      dependency.subgraph('ratings'),
      dependency.type('ratings', 'Movie'),
      dependency.entity('Movie', { id: '550' }),
      dependency.entity('Movie', { id: '680' }),
    ]);
  });

  it('refuses to stamp a response whose fetches saw two generations of one dependency', () => {
    const deps = [dependency.entity('Movie', { id: '550' })];
    const mixed = new RequestDependencies();
    mixed.record(deps, ['1']);
    expect(mixed.unknown).toBe(false);
    mixed.record(deps, ['2']);
    expect(mixed.unknown).toBe(true);
    const blind = new RequestDependencies();
    blind.record(deps, undefined);
    expect(blind.unknown).toBe(true);
  });
});
