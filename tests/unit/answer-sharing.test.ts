import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { deepFreeze, planRecipes, recipeKey, shareAlong, type CopyTrie, type Recipe } from '../../gateway/apollo-patches/answer-sharing';
import { SCALING_QUERY, W1_QUERY, W2_QUERY } from '../../workloads/operations';

/** Query plans made by Apollo's own planner from our checked-in supergraph, as the gateway makes them. */
const supergraph = Supergraph.build(readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
const planner = new QueryPlanner(supergraph);
const planOf = (query: string) => planner.buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(query)));

/** The trie as nested plain objects, for readable expectations. */
const plain = (t: CopyTrie): Record<string, unknown> => Object.fromEntries([...t].map(([k, v]) => [k, plain(v)]));

function recipesBySubgraph(query: string): Record<string, Recipe[]> {
  const plan = planOf(query);
  const recipes = planRecipes(plan);
  if (!recipes) throw new Error('plan not analysed');
  const out: Record<string, Recipe[]> = {};
  for (const [key, recipe] of recipes) (out[key.split('\n')[0]] ??= []).push(recipe);
  return out;
}

describe('which parts of a subgraph answer a plan writes into', () => {
  it('W1: the films the ratings and notifications fetches merge into are copied; what the entity answers fetched is not', () => {
    const r = recipesBySubgraph(W1_QUERY);
    expect(r.movies).toHaveLength(1);
    expect(r.movies[0].entities).toBe(false);
    const results = plain(r.movies[0].trie).popularMovies as Record<string, Record<string, unknown>>;
    // The entity fetches write ratingSummary and followerCount (and the key fields they echo) into each film.
    expect(Object.keys(results.results)).toEqual(expect.arrayContaining(['ratingSummary', 'followerCount']));
    // The film's own poster, genres and TMDB rating are only read: never copied.
    expect(Object.keys(results.results)).not.toEqual(expect.arrayContaining(['poster']));
    // Each entity answer only meets the other's fields (they run in parallel); nothing it fetched is copied.
    expect(r.ratings.map((x) => [x.entities, plain(x.trie)])).toEqual([[true, { followerCount: {} }]]);
    expect(r.notifications.map((x) => [x.entities, plain(x.trie)])).toEqual([[true, { ratingSummary: { average: {}, count: {} } }]]);
  });

  it('W2: the film and its recommendations are copied where ratings and notifications merge, not the cast or trailers', () => {
    const r = recipesBySubgraph(W2_QUERY);
    const movie = plain(r.movies[0].trie).movie as Record<string, unknown>;
    expect(movie).toHaveProperty('viewerRating');
    expect(movie).toHaveProperty('reviews');
    expect(movie).toHaveProperty(['recommendations', 'results', 'ratingSummary']);
    expect(movie).not.toHaveProperty('cast');
    expect(movie).not.toHaveProperty('trailers');
  });

  it('gives no recipe for a plan it does not model (output rewrites): callers copy whole answers', () => {
    const plan = planOf(SCALING_QUERY);
    const node = plan.node as { kind: string; nodes: { kind: string; outputRewrites?: unknown[] }[] };
    expect(node.kind).toBe('Sequence');
    node.nodes[0] = { ...node.nodes[0], outputRewrites: [{ kind: 'KeyRenamer', path: ['x'], renameKeyTo: 'y' }] };
    expect(planRecipes(plan)).toBeNull();
  });

  it('keys recipes by subgraph and operation text, as the data source sees them', () => {
    const plan = planOf(W1_QUERY);
    const recipes = planRecipes(plan)!;
    const fetches: { serviceName: string; operation: string }[] = [];
    const walk = (n: unknown): void => {
      const node = n as { kind: string; node?: unknown; nodes?: unknown[]; serviceName: string; operation: string };
      if (node.kind === 'Fetch') fetches.push(node);
      node.nodes?.forEach(walk);
      if (node.node) walk(node.node);
    };
    walk(plan.node);
    expect(fetches).toHaveLength(3);
    for (const f of fetches) expect(recipes.has(recipeKey(f.serviceName, f.operation))).toBe(true);
  });
});

describe('sharing an answer along a recipe', () => {
  const answer = () =>
    deepFreeze({
      popularMovies: {
        page: 1,
        results: [
          { id: '1', genres: [{ id: 1, name: 'Drama' }], poster: { url: 'a' } },
          { id: '2', genres: [], poster: null },
        ],
      },
    });

  it('gives fresh objects along the paths and shares the rest', () => {
    const shared = answer();
    const trie: CopyTrie = new Map([['popularMovies', new Map([['results', new Map([['ratingSummary', new Map()]])]])]]);
    const mine = shareAlong(shared, { entities: false, trie }) as ReturnType<typeof answer>;
    expect(mine).toEqual(shared);
    expect(mine).not.toBe(shared);
    expect(mine.popularMovies).not.toBe(shared.popularMovies);
    expect(mine.popularMovies.results).not.toBe(shared.popularMovies.results);
    expect(mine.popularMovies.results[0]).not.toBe(shared.popularMovies.results[0]);
    expect(mine.popularMovies.results[0].genres).toBe(shared.popularMovies.results[0].genres);
    // What the gateway then does to its copy — add a field to each film — leaves the shared answer as it was.
    (mine.popularMovies.results[0] as Record<string, unknown>).ratingSummary = { count: 1 };
    expect(shared.popularMovies.results[0]).not.toHaveProperty('ratingSummary');
  });

  it('copies every entity of an entity answer (the gateway labels them with __typename) and nothing below', () => {
    const shared = deepFreeze({ _entities: [{ ratingSummary: { count: 1 } }, null] });
    const mine = shareAlong(shared, { entities: true, trie: new Map() }) as typeof shared;
    expect(mine._entities[0]).not.toBe(shared._entities[0]);
    expect(mine._entities[0]!.ratingSummary).toBe(shared._entities[0]!.ratingSummary);
    expect(mine._entities[1]).toBeNull();
    (mine._entities[0] as Record<string, unknown>).__typename = 'Movie';
  });

  it('a frozen shared answer refuses writes (what the end-to-end check relies on)', () => {
    const shared = answer();
    expect(() => {
      'use strict';
      (shared.popularMovies as Record<string, unknown>).page = 2;
    }).toThrow(TypeError);
  });
});
