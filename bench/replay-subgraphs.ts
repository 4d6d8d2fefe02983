/**
 * Replaying subgraphs for the gateway-bound part of the benchmark. On this 2-core machine the
 * real subgraphs, DynamoDB Local and Redis saturate their core long before any gateway does, so
 * requests/s there measures upstream cost. These stand-ins answer a subgraph request they have
 * seen before from memory, which leaves the gateway as the bottleneck.
 *
 * One node:http server per subgraph, in the harness process. An answer is recorded the first
 * time its key is seen (forwarded to the real subgraph, identity header included); every gateway
 * records its own planner's queries while it is primed, so the measured window is all hits.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_IDENTITY_HEADER } from '../platform/identity';

/** record: always forward (and store); replay: answer known keys from memory, forward the rest. */
export type ReplayMode = 'record' | 'replay';

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: Buffer;
}

export interface ReplayStats {
  hits: number;
  misses: number;
}

export interface ReplaySubgraph {
  name: string;
  /** Where a gateway should send this subgraph's requests. */
  url: string;
  mode: ReplayMode;
  stats: ReplayStats;
  /** Distinct keys answered from memory. */
  recorded(): number;
  close(): Promise<void>;
}

// Not forwarded: they describe this hop, not the request (and undici sets its own).
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'te', 'upgrade', 'expect', 'accept-encoding']);

/**
 * Who a signed identity speaks for. Its request id and times change on every request, and the
 * answer depends only on the user and partner (viewer fields). Not verified: the real subgraph
 * verified it when the answer was recorded.
 */
export function callerOf(identity: string | undefined): string {
  const payload = identity?.split('.')[1];
  if (!payload) return '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return `${typeof claims.uid === 'string' ? claims.uid : ''}|${typeof claims.pid === 'string' ? claims.pid : ''}`;
  } catch {
    return '';
  }
}

/** The raw body, not a parsed one: a gateway may send one operation or a batch (a JSON array). */
export function replayKey(identity: string | undefined, body: string): string {
  return `${callerOf(identity)}\n${body}`;
}

async function forward(target: string, req: IncomingMessage, body: string): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const res = await fetch(target, { method: 'POST', headers, body });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    cacheControl: res.headers.get('cache-control'),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

function send(res: ServerResponse, a: Answer): void {
  const headers: Record<string, string | number> = { 'content-length': a.body.length };
  if (a.contentType) headers['content-type'] = a.contentType;
  if (a.cacheControl) headers['cache-control'] = a.cacheControl;
  res.writeHead(a.status, headers).end(a.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a replaying stand-in for the subgraph at `target` (its /graphql URL) on a free port. */
export async function startReplaySubgraph(name: string, target: string, mode: ReplayMode = 'replay'): Promise<ReplaySubgraph> {
  const answers = new Map<string, Answer>();
  const stats: ReplayStats = { hits: 0, misses: 0 };
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Gateways' pooled keep-alive sockets would hold the server open for a minute.
      server.closeAllConnections();
    });
  const self: ReplaySubgraph = { name, url: '', mode, stats, recorded: () => answers.size, close };

  const answer = async (req: IncomingMessage): Promise<Answer> => {
    const body = await readBody(req);
    const header = req.headers[INTERNAL_IDENTITY_HEADER];
    const key = replayKey(Array.isArray(header) ? header[0] : header, body);
    const known = self.mode === 'replay' ? answers.get(key) : undefined;
    if (known) {
      stats.hits++;
      return known;
    }
    stats.misses++;
    const fresh = await forward(target, req, body);
    // A failure may be passing (an overloaded subgraph): replaying it would make it permanent.
    if (fresh.status >= 200 && fresh.status < 300) answers.set(key, fresh);
    return fresh;
  };

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (req.method !== 'POST') return void res.writeHead(405).end();
    answer(req).then(
      (a) => send(res, a),
      (err: unknown) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`replay of ${name}: ${String(err)}`),
    );
  });
  // As the real subgraphs: gateways keep pooled sockets open for up to 30-60 s.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return self;
}

export type SubgraphName = 'movies' | 'ratings' | 'notifications' | 'availability';

/** A stand-in for each subgraph, given the real subgraphs' URLs. */
export async function startReplaySubgraphs(targets: Record<SubgraphName, string>): Promise<Record<SubgraphName, ReplaySubgraph>> {
  const [movies, ratings, notifications, availability] = await Promise.all([
    startReplaySubgraph('movies', targets.movies),
    startReplaySubgraph('ratings', targets.ratings),
    startReplaySubgraph('notifications', targets.notifications),
    startReplaySubgraph('availability', targets.availability),
  ]);
  return { movies, ratings, notifications, availability };
}

/** Hits and misses of all stand-ins together. */
export function replayTotals(subgraphs: Record<string, ReplaySubgraph>): ReplayStats {
  return Object.values(subgraphs).reduce((t, s) => ({ hits: t.hits + s.stats.hits, misses: t.misses + s.stats.misses }), { hits: 0, misses: 0 });
}
