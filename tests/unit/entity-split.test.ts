import {
  fetchEntities,
  reassembleEntities,
  splitRepresentations,
  storableEntities,
  type EntityFetch,
  type KeptEntity,
} from '../../gateway/subgraph-client/entity-split';
import { mulberry32 } from '../../workloads/random';
import { runProducts, type ProductResult } from '../support/product-subgraph';

/**
 * The per-entity cache's split of an `_entities` fetch (subgraph-client/entity-split.ts), against
 * a fake of our own fetch interface (EntityFetch) that runs a real subgraph schema in process:
 * whichever entities are kept, the reassembled answer must be the one the subgraph gives to the
 * whole request — data, and errors with their paths and order — and only the missing
 * representations may be sent.
 */
type Result = ProductResult;

const run = (representations: unknown[]): Promise<Result> => runProducts({ representations });

const rep = (upc: string) => ({ __typename: 'Product', upc });

/** The fake fetch: records what it was sent, answers as the subgraph does. */
function fakeFetch(): { fetch: EntityFetch; sent: unknown[][] } {
  const sent: unknown[][] = [];
  return { sent, fetch: (reps) => (sent.push(reps), run(reps)) };
}

/** What the cache would keep of each entity from an earlier fetch of it alone: nothing when it had an error. */
async function keptFrom(reps: unknown[]): Promise<(KeptEntity | undefined)[]> {
  return Promise.all(
    reps.map(async (r) => {
      const alone = await run([r]);
      return alone.data && storableEntities(1, alone.errors)[0] ? { value: (alone.data._entities as unknown[])[0] } : undefined;
    }),
  );
}

describe('splitting an entity fetch into kept and missing entities', () => {
  it('sends only the missing representations, once each when folding, and answers in the original order', async () => {
    const reps = ['a', 'b', 'c', 'b', 'd'].map(rep);
    const whole = await run(reps);
    const kept: (KeptEntity | undefined)[] = [
      { value: (whole.data!._entities as unknown[])[0] },
      undefined,
      undefined,
      undefined,
      { value: { name: 'Pd', price: 100 } },
    ];
    const { fetch, sent } = fakeFetch();
    const { answer, split } = await fetchEntities(reps, kept, true, fetch);
    expect(sent).toEqual([[rep('b'), rep('c')]]);
    expect(split).toEqual({ missing: [rep('b'), rep('c')], positions: [-1, 0, 1, 0, -1], kept: 2 });
    expect(JSON.stringify(answer)).toBe(JSON.stringify({ data: whole.data, errors: undefined }));
    // Without folding, a repeat is sent again.
    const unfolded = fakeFetch();
    await fetchEntities(reps, kept, false, unfolded.fetch);
    expect(unfolded.sent).toEqual([[rep('b'), rep('c'), rep('b')]]);
  });

  it('makes no call when every entity is kept', async () => {
    const reps = ['a', 'b'].map(rep);
    const whole = await run(reps);
    const { fetch, sent } = fakeFetch();
    const { answer } = await fetchEntities(reps, await keptFrom(reps), true, fetch);
    expect(sent).toEqual([]);
    expect(answer.data).toEqual(whole.data);
    expect(answer.errors).toBeUndefined();
  });

  it('renumbers errors of the sent request to the positions they belong to, in the order the whole request gives them', async () => {
    const reps = ['a', 'cheap', 'b', 'cheap', 'gone', 'c', 'cheap'].map(rep);
    const whole = await run(reps);
    expect(whole.errors?.map((e) => e.path)).toEqual([
      ['_entities', 1, 'price'],
      ['_entities', 3, 'price'],
      ['_entities', 6, 'price'],
    ]);
    // Kept: a, b and gone (null); sent: cheap (three times, folded) and c.
    const kept = reps.map((r, i) => ([0, 2, 4].includes(i) ? { value: (whole.data!._entities as unknown[])[i] } : undefined));
    const { fetch, sent } = fakeFetch();
    const { answer } = await fetchEntities(reps, kept, true, fetch);
    expect(sent).toEqual([[rep('cheap'), rep('c')]]);
    expect(answer.data).toEqual(whole.data);
    expect(answer.errors).toEqual(whole.errors);
  });

  it('gives the answer of any kept subset exactly as the whole request (seeded)', async () => {
    const random = mulberry32(19);
    // "bad" fails the whole fetch (data null), as @apollo/subgraph does when a reference resolver throws.
    const pool = ['a', 'b', 'cheap', 'bad', 'gone', 'dd', 'eee'];
    for (let round = 0; round < 200; round++) {
      const reps = Array.from({ length: 1 + Math.floor(random() * 8) }, () => rep(pool[Math.floor(random() * pool.length)]));
      const whole = await run(reps);
      const storable = await keptFrom(reps);
      const kept = storable.map((k) => (k && random() < 0.5 ? k : undefined));
      const fold = random() < 0.5;
      const { fetch, sent } = fakeFetch();
      const { answer } = await fetchEntities(reps, kept, fold, fetch);
      expect(JSON.stringify({ data: answer.data, errors: answer.errors })).toBe(JSON.stringify({ data: whole.data, errors: whole.errors }));
      const missing = reps.filter((_, i) => !kept[i]);
      expect(sent.flat().length).toBe(fold ? new Set(missing.map((r) => r.upc)).size : missing.length);
    }
  });

  it('hands on a failed fetch (data null) with its errors renumbered, as the gateway would have had it', () => {
    const split = splitRepresentations([rep('a'), rep('b'), rep('c')], [{ value: { name: 'Pa' } }, undefined, undefined], true);
    const failed = reassembleEntities(split, [{ value: { name: 'Pa' } }, undefined, undefined], {
      data: null,
      errors: [
        { message: 'down', path: ['_entities', 1] },
        { message: 'whole', extensions: { code: 'X' } },
      ],
    });
    expect(failed.data).toBeNull();
    expect(failed.errors).toEqual([
      { message: 'down', path: ['_entities', 2] },
      { message: 'whole', extensions: { code: 'X' } },
    ]);
    // An answer of the wrong length is not an answer to the entities sent: handed on untouched.
    const wrong = reassembleEntities(split, [{ value: {} }, undefined, undefined], { data: { _entities: [{}] }, errors: undefined });
    expect(wrong.data).toEqual({ _entities: [{}] });
  });

  it('keeps no entity with an error at its path, and none when an error names no entity', () => {
    expect(storableEntities(3, undefined)).toEqual([true, true, true]);
    expect(storableEntities(3, [{ path: ['_entities', 1, 'price'] }])).toEqual([true, false, true]);
    expect(storableEntities(3, [{ path: ['_entities', 0] }, { message: 'x' } as { path?: undefined }])).toEqual([false, false, false]);
  });
});
