import { readsGenerations } from '../../gateway/graphql/gateway';

/** The subgraph clients read the entity cache's generation counters only where something uses them. */
test('generations are read per fetch only when a cache or deduplication uses them', () => {
  const off = { SUBGRAPH_CACHE: 'off', RESPONSE_CACHE: 'off', SUBGRAPH_DEDUPE: 'off' } as const;
  expect(readsGenerations(off)).toBe(false);
  expect(readsGenerations({ ...off, SUBGRAPH_CACHE: 'on' })).toBe(true);
  // The response cache stores an entry under the generations its fetches saw.
  expect(readsGenerations({ ...off, RESPONSE_CACHE: 'on' })).toBe(true);
  // A call in flight from before a write is not shared with a request made after it.
  expect(readsGenerations({ ...off, SUBGRAPH_DEDUPE: 'on' })).toBe(true);
});
