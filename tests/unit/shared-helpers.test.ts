import { resumeAfter, toConnection } from '../../platform/connection';
import { createItemsLoader } from '../../platform/items-loader';
import { isTmdbId, parseRatingId, parseTmdbId, ratingId } from '../../platform/ids';
import { viewer } from '../../platform/viewer';
import { perRegistry } from '../../platform/metrics';
import { Counter, Registry } from 'prom-client';
import type { ItemKey, StoredItem } from '../../platform/dynamodb-batch';

const caller = (userId: string | null) => ({ userId, partnerId: null, requestId: null });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { extensions?: { code?: string; field?: string } }).extensions;
  }
  throw new Error('did not throw');
};

describe('TMDB ids', () => {
  it('takes positive integers of up to ten digits without a leading zero', () => {
    for (const id of ['1', '550', '9999999999']) expect(isTmdbId(id)).toBe(true);
    for (const id of ['0', '007', '-1', '1.5', '12345678901', '', ' 550', '550\n', 'abc']) expect(isTmdbId(id)).toBe(false);
  });

  it('parseTmdbId returns the id, or refuses it as BAD_USER_INPUT naming the field', () => {
    expect(parseTmdbId('550')).toBe('550');
    expect(code(() => parseTmdbId('x', 'input.movieId'))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.movieId' });
    expect(() => parseTmdbId('0')).toThrow('id must be a TMDB id (a positive integer).');
  });

  it('a rating id names its film and user, and only a TMDB id as the film', () => {
    expect(parseRatingId(ratingId('550', 'alice:with:colons'))).toEqual({ movieId: '550', userId: 'alice:with:colons' });
    expect(parseRatingId(ratingId('055', 'alice'))).toBeNull();
    expect(parseRatingId(ratingId('550', 'x'.repeat(129)))).toBeNull();
  });
});

describe('perRegistry', () => {
  const counterFor = perRegistry(
    (registry) => new Counter({ name: 'marquee_test_per_registry_total', help: 'test', labelNames: ['x'], registers: [registry] }),
  );

  it('makes the metric once per registry, however many callers ask, and none without a registry', async () => {
    const a = new Registry();
    const b = new Registry();
    // prom-client would throw on a second metric of this name in `a` if it were made twice.
    counterFor(a)!.inc({ x: '1' });
    counterFor(a)!.inc({ x: '1' });
    counterFor(b)!.inc({ x: '1' });
    expect(counterFor(a)).toBe(counterFor(a));
    expect(counterFor(a)).not.toBe(counterFor(b));
    expect((await a.getSingleMetric('marquee_test_per_registry_total')!.get()).values[0].value).toBe(2);
    expect((await b.getSingleMetric('marquee_test_per_registry_total')!.get()).values[0].value).toBe(1);
    expect(counterFor(undefined)).toBeUndefined();
  });
});

describe('viewer', () => {
  it('is the signed-in user, and UNAUTHENTICATED for an anonymous caller', () => {
    expect(viewer({ caller: caller('alice') })).toBe('alice');
    expect(code(() => viewer({ caller: caller(null) }))).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('connections', () => {
  const secret = 's'.repeat(32);
  const keyOf = (n: { id: string }) => ({ pk: `ITEM#${n.id}` });

  it('gives every edge a cursor that resumes after it, and the last as endCursor', () => {
    const c = toConnection(secret, 'list:a', { items: [{ id: '1' }, { id: '2' }], hasNext: true }, keyOf);
    expect(c.edges.map((e) => e.node.id)).toEqual(['1', '2']);
    expect(c.pageInfo).toEqual({ hasNextPage: true, endCursor: c.edges[1].cursor });
    expect(resumeAfter(secret, 'list:a', c.edges[0].cursor)).toEqual({ pk: 'ITEM#1' });
    expect(code(() => resumeAfter(secret, 'list:b', c.edges[0].cursor))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('an empty page has no end cursor, and no `after` starts from the beginning', () => {
    expect(toConnection(secret, 'list:a', { items: [], hasNext: false }, keyOf).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(resumeAfter(secret, 'list:a', null)).toBeUndefined();
    expect(resumeAfter(secret, 'list:a', undefined)).toBeUndefined();
  });
});

describe('items loader', () => {
  function recording() {
    const calls: { keys: ItemKey[]; consistent: boolean }[] = [];
    const batchGet = async (keys: readonly ItemKey[], consistent: boolean): Promise<(StoredItem | null)[]> => {
      calls.push({ keys: [...keys], consistent });
      return keys.map((k) => (k.sk === 'none' ? null : { ...k }));
    };
    return { calls, loader: createItemsLoader(batchGet) };
  }

  it('reads one tick’s keys in one batch, each distinct key once, at most 100 per batch', async () => {
    const { calls, loader } = recording();
    const keys = Array.from({ length: 150 }, (_, i) => ({ pk: 'P', sk: String(i) }));
    const [a, b, none] = await Promise.all([loader.items.load(keys[0]), loader.items.load({ pk: 'P', sk: '0' }), loader.items.load({ pk: 'P', sk: 'none' })]);
    expect(a).toEqual({ pk: 'P', sk: '0' });
    expect(b).toBe(a);
    expect(none).toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0].keys).toHaveLength(2);
    await loader.items.loadMany(keys);
    expect(calls.slice(1).map((c) => c.keys.length)).toEqual([100, 49]);
  });

  it('reads consistently once a mutation has written', async () => {
    const { calls, loader } = recording();
    await loader.items.load({ pk: 'P', sk: 'a' });
    loader.readYourWrites();
    loader.items.clear({ pk: 'P', sk: 'a' });
    await loader.items.load({ pk: 'P', sk: 'a' });
    expect(calls.map((c) => c.consistent)).toEqual([false, true]);
  });
});
