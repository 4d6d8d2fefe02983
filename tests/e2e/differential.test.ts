import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, OperationTypeNode, parse, print, type OperationDefinitionNode } from 'graphql';
import { authenticatedRootFields, selectsAuthenticated } from '../../gateway/graphql/authenticated';
import { startStack, type Stack } from '../../local/stack';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../../local/processes';
import { makeToken } from '../../scripts/token';
import { SCALING_QUERY, W1_QUERY, W2_QUERY, catalogueIds } from '../../workloads/operations';
import { freshTables, stackEnv } from '../support/env';
import { generateOperations } from '../support/generate-operations';
import { startSubgraphProxy, type SubgraphProxy } from '../support/subgraph-proxy';

/**
 * Stock @apollo/gateway (bench/peers/stock-gateway.ts, as the benchmark runs it) and Marquee's
 * gateway (gateway/main.ts, its defaults: Apollo patches, batching, deduplication, subgraph and
 * response caches) over the same subgraphs must answer every operation with the same body:
 * data (in the same key order), errors with their paths and codes, extensions. Both go through
 * proxies (tests/support/subgraph-proxy.ts) that break some subgraph answers, the same way
 * for both. This is what guards gateway/apollo-patches/: a patch that changes a result fails here.
 *
 * The operations: every one in schema/operations/, the benchmark's workloads, and GENERATED
 * operations from SEED over schema/api.graphql; then a subgraph answering 500, and one down.
 * A failure prints the operation, its variables and both bodies; the seed reproduces it.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'differential-logs');
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261202);
const GENERATED = 1000;
const ids = catalogueIds();
const callerFields = authenticatedRootFields(readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8'));

/**
 * Whether an operation selects a root field that needs a caller (@requiresCaller: the feed-upload
 * reads). Marquee refuses it anonymous with HTTP 401 before any subgraph runs, on purpose
 * (docs/gateway.md); stock lets the subgraph answer FORBIDDEN. Such operations are sent signed in,
 * where both must let the subgraph refuse alike.
 */
function needsCaller(query: string): boolean {
  const doc = parse(query);
  return doc.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && selectsAuthenticated(callerFields, doc, d) !== undefined);
}

let stack: Stack;
const proxies = {} as Record<'movies' | 'ratings' | 'notifications' | 'availability', SubgraphProxy>;
const processes: ManagedProcess[] = [];
let marqueeUrl: string;
let stockUrl: string;
const tokens = new Map<string, string>();

async function token(user: string): Promise<string> {
  let t = tokens.get(user);
  if (!t) tokens.set(user, (t = await makeToken(user, stack.env.JWT_SECRET)));
  return t;
}

async function startGatewayProcess(name: string, args: string[], env: Record<string, string>, url: string): Promise<void> {
  const proc = spawnManaged(process.execPath, ['--import', 'tsx', ...args], { name, env, logFile: path.join(LOGS, `${name}.log`) });
  processes.push(proc);
  const ping = () =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then(
      (r) => r.ok,
      () => false,
    );
  await waitFor(ping, { timeoutMs: 60_000, what: name, failFast: proc.exited });
}

beforeAll(async () => {
  // One client sends everything here: no per-caller TMDB share or OMDb daily share (they have
  // their own tests), or the two gateways' calls would be refused by them at different moments.
  stack = await startStack({
    randomPorts: true,
    env: stackEnv({ ...(await freshTables()), TMDB_CALLER_SHARE: '1', OMDB_CALLER_DAILY_LIMIT: '0' }),
    logDir: LOGS,
  });
  for (const name of ['movies', 'ratings', 'notifications', 'availability'] as const) proxies[name] = await startSubgraphProxy(stack.urls[name], SEED);
  const subgraphs = {
    MOVIES_URL: proxies.movies.url,
    RATINGS_URL: proxies.ratings.url,
    NOTIFICATIONS_URL: proxies.notifications.url,
    AVAILABILITY_URL: proxies.availability.url,
  };
  const [marqueePort, stockPort] = [await findFreePort(), await findFreePort()];
  marqueeUrl = `http://127.0.0.1:${marqueePort}/graphql`;
  stockUrl = `http://127.0.0.1:${stockPort}/`;
  await Promise.all([
    // The defaults, but for the rate limits (this test sends far more than a person would) and the
    // cost limit (stock has none, and generated operations may exceed it).
    startGatewayProcess(
      'marquee',
      [path.join(ROOT, 'gateway', 'main.ts')],
      {
        ...stack.env,
        ...subgraphs,
        GATEWAY_PORT: String(marqueePort),
        METRICS_PORT: '0',
        RATE_LIMIT_ANONYMOUS: '1000000',
        RATE_LIMIT_USER: '1000000',
        MAX_COST: '1000000',
      },
      marqueeUrl,
    ),
    startGatewayProcess('stock', [path.join(ROOT, 'bench', 'peers', 'stock-gateway.ts')], { ...stack.env, ...subgraphs, PORT: String(stockPort) }, stockUrl),
  ]);
}, 180_000);

afterAll(async () => {
  for (const p of processes) await p.stop();
  for (const p of Object.values(proxies)) await p?.close();
  await stack?.stop();
});

interface Op {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  user?: string | null;
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
}

async function post(url: string, op: Op, user: string | null | undefined): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user) headers.authorization = `Bearer ${await token(user)}`;
  const body = JSON.stringify({ query: op.query, variables: op.variables ?? {}, operationName: op.operationName });
  // Once more on a kept-alive socket the server closed meanwhile (never for a mutation).
  const send = () => fetch(url, { method: 'POST', headers, body });
  const res = await send().catch((err: unknown) => {
    if (/^\s*mutation\b/.test(op.query)) throw err;
    return send();
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

// A subgraph that cannot be reached: Marquee names it SUBGRAPH_UNAVAILABLE on purpose
// (docs/gateway.md, Errors), stock reports the fetch error. The one deliberate difference.
const FETCH_FAILED = /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up|other side closed|Couldn't reach/i;

/** What must be identical: the status, the data as JSON text (key order included), errors by path and code, extensions. */
function comparable(a: Answer): string {
  const errors = (a.body.errors ?? [])
    .map((e) => {
      const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
      return JSON.stringify({ path: e.path ?? null, code: code === 'SUBGRAPH_UNAVAILABLE' || FETCH_FAILED.test(e.message) ? 'SUBGRAPH_UNAVAILABLE' : code });
    })
    .sort();
  return JSON.stringify({ status: a.status, data: a.body.data, errors, extensions: a.body.extensions ?? {} });
}

const messages = (a: Answer) => JSON.stringify((a.body.errors ?? []).map((e) => [e.path, e.extensions?.code, e.message]));

/** Sends each operation to both gateways (a few at a time) and returns the differences. */
async function differences(ops: Op[], concurrency = 6): Promise<string[]> {
  const out: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ops.length) {
      const op = ops[next++];
      const user = op.user;
      const [s, m] = await Promise.all([post(stockUrl, op, user), post(marqueeUrl, op, user)]);
      const cs = comparable(s);
      const cm = comparable(m);
      if (cs !== cm)
        out.push(
          `${op.label}\n${op.query}\nvariables ${JSON.stringify(op.variables ?? {})} user ${user ?? '-'}\nstock   ${cs}\nmarquee ${cm}\nstock errors   ${messages(s)}\nmarquee errors ${messages(m)}`,
        );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Values for the operation files' variables (a new operation needs an entry: the test says so). */
const FILE_VARIABLES: Record<string, Record<string, unknown>> = {
  PopularMovies: { page: 1 },
  MovieDetail: { id: '550' },
  MovieScores: { id: '550' },
  Feed: { first: 5 },
  MovieReviews: { id: '550', first: 3 },
  SearchMovies: { query: 'fight' },
  MarkNotificationsRead: { all: true },
  FollowMovie: { movieId: '550' },
  UnfollowMovie: { movieId: '550' },
  RateMovie: { input: { movieId: '550', score: 8, review: 'Differential.' } },
};

function fileOperations(): { op: Op; mutation: boolean }[] {
  const dir = path.join(ROOT, 'schema', 'operations');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .flatMap((f) => {
      const doc = parse(readFileSync(path.join(dir, f), 'utf8'));
      const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
      return (
        doc.definitions
          // Subscriptions have no single answer to compare, and stock @apollo/gateway cannot plan them.
          .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation !== OperationTypeNode.SUBSCRIPTION)
          .map((d) => {
            const name = d.name!.value;
            const variables = FILE_VARIABLES[name];
            if (!variables) throw new Error(`differential.test.ts: give FILE_VARIABLES an entry for ${name} (${f})`);
            return {
              op: { label: `${f} ${name}`, query: [d, ...fragments].map((x) => print(x)).join('\n'), operationName: name, variables },
              mutation: d.operation === OperationTypeNode.MUTATION,
            };
          })
      );
    });
}

describe('stock @apollo/gateway and Marquee answer alike (over HTTP, same subgraphs)', () => {
  it('every query in schema/operations/, anonymous and signed in', async () => {
    const queries = fileOperations().filter((o) => !o.mutation);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    const ops = queries.flatMap(({ op }) => [
      { ...op, user: null },
      { ...op, label: `${op.label} (signed in)`, user: 'diff-reader' },
    ]);
    expect(await differences(ops)).toEqual([]);
  });

  it('the benchmark workloads', async () => {
    const ops: Op[] = [
      { label: 'W1', query: W1_QUERY, user: null },
      ...ids.slice(0, 12).map((id) => ({ label: `W2 ${id}`, query: W2_QUERY, variables: { id }, user: 'diff-viewer' })),
      { label: 'scaling x 20', query: SCALING_QUERY, variables: { ids: ids.slice(0, 20) }, user: 'diff-viewer' },
    ];
    expect(await differences(ops)).toEqual([]);
  });

  it(`${GENERATED} operations generated over the public schema (seed ${SEED}), with subgraph answers broken`, async () => {
    const ops = generateOperations(GENERATED, SEED, ids).map((g, i) => ({
      label: `generated #${i} (seed ${SEED})`,
      query: g.query,
      variables: g.variables,
      user: g.signedIn || needsCaller(g.query) ? 'diff-user' : null,
    }));
    expect(ops.filter((o) => needsCaller(o.query)).length).toBeGreaterThan(0);
    const diffs = await differences(ops);
    expect(diffs.slice(0, 5)).toEqual([]);
    // The run did break answers in every way the proxy knows.
    const changed = Object.values(proxies).reduce<Record<string, number>>((acc, p) => {
      for (const [k, v] of Object.entries(p.changed)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {});
    for (const kind of ['data-null', 'entity-null', 'field-null', 'field-null-with-error']) expect(changed[kind]).toBeGreaterThan(0);
    // Four subgraphs' answers, 1,000 operations through both gateways: over two minutes on a loaded two-core machine.
  }, 240_000);

  // Only viewer fields of the broken subgraph: public ones may come from Marquee's subgraph cache
  // (as designed), which stock does not have.
  it('a subgraph answering HTTP 500, and a subgraph down', async () => {
    const whileBroken = async (proxy: SubgraphProxy, mode: 'http500' | 'down', ops: Op[]) => {
      proxy.mode = mode;
      try {
        return await differences(ops);
      } finally {
        proxy.mode = 'inject';
      }
    };
    expect(
      await whileBroken(proxies.ratings, 'http500', [
        { label: 'ratings 500: viewerRating', query: '{ movie(id: "550") { id title viewerRating { score } } }', user: 'diff-broken' },
        {
          label: 'ratings 500: my ratings',
          query: '{ me { id ratings(first: 2) { totalCount } } popularMovies { results { id viewerRating { score } } } }',
          user: 'diff-broken',
        },
      ]),
    ).toEqual([]);
    expect(
      await whileBroken(proxies.notifications, 'down', [
        { label: 'notifications down: viewerIsFollowing', query: '{ movie(id: "550") { id title viewerIsFollowing } }', user: 'diff-broken' },
        {
          label: 'notifications down: feed',
          query: '{ me { id unreadNotificationCount } movies(ids: ["550", "13"]) { id viewerIsFollowing } }',
          user: 'diff-broken',
        },
      ]),
    ).toEqual([]);
  });

  it('the mutations in schema/operations/ (each gateway as its own user)', async () => {
    const mutations = fileOperations().filter((o) => o.mutation);
    expect(mutations.length).toBeGreaterThanOrEqual(3);
    const ops = mutations.map(({ op }, i) => ({ ...op, user: `diff-writer-${i}` }));
    // Each gateway writes as a user of its own (the same write twice is not the same write):
    // their ids and times are the only differences allowed.
    const userOf = (op: Op, gateway: string) => `${op.user}-${gateway}`;
    const diffs: string[] = [];
    for (const op of ops) {
      const [s, m] = await Promise.all([post(stockUrl, op, userOf(op, 'stock')), post(marqueeUrl, op, userOf(op, 'marquee'))]);
      // Ids are opaque (base64url of the film and user ids): compared decoded.
      const clean = (t: string, gateway: string) =>
        t
          .replace(/\\"id\\":\\"([A-Za-z0-9_-]{12,})\\"|"id":"([A-Za-z0-9_-]{12,})"/g, (all, a?: string, b?: string) =>
            all.replace(a ?? b!, Buffer.from(a ?? b!, 'base64url').toString()),
          )
          .split(userOf(op, gateway))
          .join('USER')
          .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
          // Both users write the same film at once: each payload's aggregates count the other's
          // write or not, by interleaving; their shape and types are still compared.
          .replace(/"(count|average|followerCount|unreadNotificationCount)":(\d+(?:\.\d+)?)/g, '"$1":NUMBER');
      const cs = clean(comparable(s), 'stock');
      const cm = clean(comparable(m), 'marquee');
      if (cs !== cm) diffs.push(`${op.label}\nstock   ${cs}\nmarquee ${cm}`);
    }
    expect(diffs).toEqual([]);
  });
});
