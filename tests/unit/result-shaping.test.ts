import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GraphQLObjectType,
  Kind,
  getNamedType,
  getNullableType,
  isEnumType,
  isListType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { APOLLO_RESULT_SHAPING, computeResponse, install, type ComputeResponseArgs } from '../../gateway/apollo-patches/result-shaping';
import { SCALING_QUERY, W1_QUERY, W2_QUERY } from '../../workloads/operations';
import { mulberry32 } from '../../workloads/random';

const ROOT = path.resolve(__dirname, '..', '..');
const supergraph = Supergraph.build(readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'));
const api = supergraph.apiSchema();
const gqlSchema: GraphQLSchema = api.toGraphQLJSSchema();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Apollo's own computeResponse, from the module object the patch replaces it in
const apolloModule = require(APOLLO_RESULT_SHAPING) as { computeResponse: typeof computeResponse };
const apollo = apolloModule.computeResponse;

const QUERIES: [string, Record<string, unknown>][] = [
  [W1_QUERY, {}],
  [W2_QUERY, { id: '603' }],
  [SCALING_QUERY, { ids: ['1', '2'] }],
  [
    `query Odd($skipCast: Boolean!, $withVideos: Boolean = true) {
      first: movie(id: "1") { t: title __typename kind: __typename ...F cast(first: 2) @skip(if: $skipCast) { character person { name } } }
      again: movie(id: "1") { id title ... on Movie { title genres { name } } videos @include(if: $withVideos) { key site type } }
      popularMovies(page: 2) { page totalPages results { id ...F } }
      __typename
    }
    fragment F on Movie { id releaseDate runtime status tmdbRating { average voteCount } ratingSummary { average count histogram { score count } } }`,
    { skipCast: false },
  ],
  [`query Intro { __schema { queryType { name } } movie(id: "9") { title } }`, {}],
  // Aliases an ordinary object would misread (inherited members, the __proto__ setter).
  [
    `query Keys { __proto__: movie(id: "1") { constructor: title toString: id __proto__: genres { hasOwnProperty: name valueOf: id } }
      constructor: movie(id: "2") { title __proto__: title } }`,
    {},
  ],
];

/**
 * Random merged data for an operation, shaped like what subgraphs send and then broken at random:
 * nulls (also in non-null places), missing and extra fields, wrong leaf types, unknown
 * __typename, lists of random length.
 */
function randomData(doc: DocumentNode, seed: number): Record<string, unknown> {
  const rand = mulberry32(seed);
  const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const leaf = (type: GraphQLOutputType): unknown => {
    const named = getNamedType(type);
    const r = rand();
    if (r < 0.04) return 'not-a-number';
    if (r < 0.06) return 1.5;
    if (r < 0.08) return true;
    if (isEnumType(named)) return rand() < 0.9 ? named.getValues()[0].name : 'NO_SUCH_VALUE';
    switch (named.name) {
      case 'Int':
        return Math.floor(rand() * 100);
      case 'Float':
        return rand() * 10;
      case 'Boolean':
        return rand() < 0.5;
      default:
        return `s${Math.floor(rand() * 1000)}`;
    }
  };
  const value = (type: GraphQLOutputType, sel: SelectionSetNode | undefined): unknown => {
    if (rand() < 0.05) return null;
    const t = getNullableType(type) as GraphQLOutputType;
    if (isListType(t)) return Array.from({ length: Math.floor(rand() * 3) }, () => value(t.ofType as GraphQLOutputType, sel));
    if (isObjectType(t) && sel) return object(t, sel);
    return leaf(t);
  };
  const object = (type: GraphQLObjectType, sel: SelectionSetNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (rand() < 0.5) out.__typename = rand() < 0.95 ? type.name : 'NoSuchType';
    if (rand() < 0.1) out.extra = 'not asked for';
    const fill = (s: SelectionSetNode) => {
      for (const f of s.selections) {
        if (f.kind === Kind.INLINE_FRAGMENT) fill(f.selectionSet);
        else if (f.kind === Kind.FRAGMENT_SPREAD) fill(fragments.get(f.name.value)!.selectionSet);
        else if (f.name.value === '__typename') continue;
        else if (f.name.value.startsWith('__')) continue;
        else if (rand() < 0.03) continue;
        else
          Object.defineProperty(out, f.alias?.value ?? f.name.value, {
            value: value(type.getFields()[f.name.value].type, f.selectionSet),
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
    };
    fill(sel);
    return out;
  };
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  return object(gqlSchema.getQueryType()!, op.selectionSet);
}

type Outcome = { data?: unknown; errors?: { message: string; path?: unknown; code?: unknown }[]; threw?: string };
function run(
  fn: (args: ComputeResponseArgs) => { data: unknown; errors: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] },
  args: ComputeResponseArgs,
): Outcome {
  try {
    const { data, errors } = fn(args);
    return { data: JSON.parse(JSON.stringify(data ?? null)), errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code })) };
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

describe('result shaping (our computeResponse against Apollo’s)', () => {
  it.each(QUERIES.map(([q, v], i) => [i, q, v] as const))('query %i: the same data and errors on 400 random and broken inputs', (_i, query, variables) => {
    const doc = parse(query);
    const operation = operationFromDocument(api, doc, { validate: true });
    let withErrors = 0;
    let bubbled = 0; // nulls in non-null places, bubbled up to the nearest nullable parent
    for (let seed = 1; seed <= 400; seed++) {
      const input = randomData(doc, seed);
      const args = (): ComputeResponseArgs => ({ operation, variables, input: structuredClone(input), introspectionHandling: () => ({ introspected: true }) });
      const ours = run(computeResponse, args());
      const theirs = run(apollo, args());
      expect(ours).toEqual(theirs);
      if (theirs.errors?.length) withErrors++;
      if (theirs.errors?.some((e) => e.message.startsWith('Cannot return null for non-nullable'))) bubbled++;
    }
    // The inputs did reach the error paths, not only the happy one.
    expect(withErrors).toBeGreaterThan(20);
    expect(bubbled).toBeGreaterThan(0);
  });

  it('takes Apollo’s place in the module executeQueryPlan calls it through', () => {
    const src = readFileSync(require.resolve('@apollo/gateway/dist/executeQueryPlan.js', { paths: [ROOT] }), 'utf8');
    // Called through the module object at each request, so replacing the export takes effect.
    expect(src).toMatch(/\(0, resultShaping_1\.computeResponse\)\(/);
    const original = install();
    try {
      expect(apolloModule.computeResponse).toBe(computeResponse);
    } finally {
      apolloModule.computeResponse = original;
    }
  });
});
