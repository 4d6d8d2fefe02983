/**
 * The benchmark's workloads: what one request of each looks like, which virtual user sends it,
 * and the requests that warm the caches before a warm run.
 */
import { SCALING_QUERY, W1_QUERY, W2_QUERY, W3_MUTATION } from '../workloads/operations';
import { mulberry32, zipf } from '../workloads/random';

/** A virtual user: one per connection (its token is fixed for the connection's life). */
export interface VirtualUser {
  /** The user id the connection signs in as, or null for anonymous. */
  user(requestNumber: number): string | null;
}

export interface Workload {
  id: 'W1' | 'W2' | 'W3' | 'W4' | 'scaling' | 'guild' | 'omdb';
  name: string;
  /** Whether requests carry a user token. */
  auth: boolean;
  /** Mutations: never shared by in-flight deduplication, never cached. */
  mutation: boolean;
  /** The body of the n-th request of connection c. */
  body(connection: number, n: number): string;
  /** The user of the n-th request of connection c (null: anonymous). */
  user(connection: number, n: number): string | null;
  /** Requests sent once, unmeasured, after the cold run so the warm run finds warm caches. */
  prime(): { body: string; user: string | null }[];
  /** The one right response body, when the workload has one: every answer is compared with it byte for byte. */
  expect?: string;
  /** Sees every answer with when its request was sent (performance.now()): W4 checks what readers saw. */
  observe?(body: string, sentAt: number): void;
  /** Before each measured window (W4: forget the last window's writes and reads). */
  reset?(): void;
  /** After each window: figures of its own, kept with the sample. */
  stats?(): Record<string, number>;
}

export const WRITE_USERS = 1000;

export function workloads(ids: string[], connections: number, seed = 1): Workload[] {
  const detailIds = zipf(ids, seed);
  const writeIds = zipf(ids, seed + 1);
  const scores = mulberry32(seed + 2);
  const w1 = JSON.stringify({ operationName: 'Browse', query: W1_QUERY });
  const w2 = (id: string) => JSON.stringify({ operationName: 'Detail', query: W2_QUERY, variables: { id } });
  const w3 = (id: string, score: number) => JSON.stringify({ operationName: 'Rate', query: W3_MUTATION, variables: { input: { movieId: id, score } } });
  return [
    {
      id: 'W1',
      name: 'W1 anonymous browse',
      auth: false,
      mutation: false,
      body: () => w1,
      user: () => null,
      prime: () => [{ body: w1, user: null }],
    },
    {
      id: 'W2',
      name: 'W2 authenticated detail',
      auth: true,
      mutation: false,
      body: () => w2(detailIds()),
      // One signed-in user per connection.
      user: (c) => `bench-viewer-${c}`,
      prime: () => ids.map((id) => ({ body: w2(id), user: 'bench-primer' })),
    },
    {
      id: 'W3',
      name: 'W3 writes',
      auth: true,
      mutation: true,
      body: () => w3(writeIds(), (1 + Math.floor(scores() * 20)) / 2),
      // Many users: connection c cycles through its own share of WRITE_USERS, so no two requests
      // in flight ever come from the same user.
      user: (c, n) => `bench-writer-${(c + n * connections) % WRITE_USERS}`,
      prime: () => ids.map((id) => ({ body: w3(id, 7), user: 'bench-primer' })),
    },
  ];
}

export function scalingWorkload(ids: string[], n: number): Workload {
  const body = JSON.stringify({ operationName: 'Many', query: SCALING_QUERY, variables: { ids: ids.slice(0, n) } });
  return {
    id: 'scaling',
    name: `movies(ids) x ${n}`,
    auth: true,
    mutation: false,
    body: () => body,
    user: (c) => `bench-viewer-${c}`,
    prime: () => [{ body, user: 'bench-primer' }],
  };
}

/**
 * Whether a response body is a clean GraphQL result: data and no errors, or exactly `expect`. A cheap text test (the
 * raw contender answers tens of thousands of these a second); `"errors":` cannot occur inside a
 * JSON string value, where quotes are escaped.
 */
export function isCleanResult(body: string, expect?: string): boolean {
  // Apollo Server ends its JSON with a newline, Hive does not: that byte aside, byte for byte.
  if (expect !== undefined) return body.length - expect.length <= 1 && body.startsWith(expect) && (body.length === expect.length || body.endsWith('\n'));
  return body.startsWith('{"data":') && !body.includes('"errors":');
}
