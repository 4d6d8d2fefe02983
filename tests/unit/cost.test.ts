import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';
import { CostEstimator } from '../../gateway/graphql/cost';
import { loadGatewayConfig } from '../../gateway/config';
import { SCALING_QUERY, W1_QUERY, W2_QUERY, W3_MUTATION } from '../../workloads/operations';

const ROOT = path.resolve(__dirname, '..', '..');
const estimator = CostEstimator.fromFile(path.join(ROOT, 'schema', 'supergraph.graphql'));
const cost = (q: string, variables: Record<string, unknown> = {}) => estimator.estimate(parse(q), undefined, variables);
const maxCost = loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) }).MAX_COST;

describe("demand control: estimated cost from the supergraph's @cost/@listSize", () => {
  it('counts list sizes: slicing arguments, assumed sizes and sized fields', () => {
    expect(cost('{ genres { id name } }')).toBe(20); // assumedSize 20, scalars free
    // MoviePage 1 + 20 results × (Movie 1 + cast(first: 5) × (CastMember 1 + Person 1)).
    expect(cost('{ popularMovies { results { cast(first: 5) { person { name } } } } }')).toBe(1 + 20 * (1 + 5 * 2));
    expect(cost('{ popularMovies { results { cast { person { name } } } } }')).toBe(1 + 20 * (1 + 10 * 2)); // the argument's default
    // A connection: first sizes its edges (Movie 1 + RatingConnection 1 + 7 × (RatingEdge 1 + Rating 1)).
    expect(cost('query($f: Int!) { movie(id: "550") { reviews(first: $f) { edges { node { score } } } } }', { f: 7 })).toBe(1 + 1 + 7 * 2);
    expect(cost('mutation { followMovie(movieId: "550") { following } }')).toBe(1 + 10);
  });

  it("computes the actual cost from the answer's real list lengths", () => {
    const q = '{ popularMovies { results { cast(first: 5) { person { name } } } } }';
    const data = { popularMovies: { results: [{ cast: [{ person: { name: 'a' } }, { person: { name: 'b' } }] }, { cast: [] }, null] } };
    // MoviePage 1 + two films × 1 + two cast members × (1 + 1).
    expect(estimator.actual(parse(q), undefined, data)).toBe(1 + 2 + 2 * 2);
    expect(estimator.actual(parse('mutation { followMovie(movieId: "1") { following } }'), undefined, { followMovie: { following: true } })).toBe(11);
  });

  it('sizes movies(ids:) by the ids given (@listSizeFromArgument), literal or variable', () => {
    expect(cost('{ movies(ids: ["13", "597", "862"]) { id } }')).toBe(3);
    expect(cost('query Q($ids: [ID!]!) { movies(ids: $ids) { id cast(first: 2) { order } } }', { ids: ['13', '597'] })).toBe(2 * (1 + 2));
  });

  it('applies only to supergraphs that link the cost spec', () => {
    expect(estimator.declaresCosts).toBe(true);
    const plain = new CostEstimator(
      'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query } directive @link(url: String) repeatable on SCHEMA type Query { a: [A] } type A { b: [A] }',
    );
    expect(plain.declaresCosts).toBe(false);
    // Unsized nested lists estimate at 10 each: 10 + 100 + 1000 + 10000 would be refused.
    expect(plain.estimate(parse('{ a { b { b { b { __typename } } } } }'), undefined, {})).toBeGreaterThan(maxCost);
  });

  it('refuses the issue-16 movies(ids:) fan-out under the default MAX_COST', () => {
    const attack = Array.from(
      { length: 30 },
      (_, i) => `a${i}: movies(ids: [${Array.from({ length: 100 }, (_, j) => `"${i * 100 + j + 1}"`).join(',')}]) { id title }`,
    ).join(' ');
    expect(cost(`{ ${attack} }`)).toBe(3000);
    expect(cost(`{ ${attack} }`)).toBeGreaterThan(maxCost);
  });

  it('allows every operation in schema/operations and the bench workloads under the default MAX_COST', () => {
    const dir = path.join(ROOT, 'schema', 'operations');
    let checked = 0;
    for (const f of readdirSync(dir)) {
      const doc = parse(readFileSync(path.join(dir, f), 'utf8'));
      for (const d of doc.definitions) {
        if (d.kind !== Kind.OPERATION_DEFINITION) continue;
        expect(estimator.estimate(doc, d.name?.value, {})).toBeLessThanOrEqual(maxCost);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
    for (const q of [W1_QUERY, W2_QUERY, W3_MUTATION]) expect(cost(q)).toBeLessThanOrEqual(maxCost);
    expect(cost(SCALING_QUERY, { ids: Array(100).fill('550') })).toBeLessThanOrEqual(maxCost);
  });
});
