import http from 'node:http';
import { createHash } from 'node:crypto';
import { mulberry32 } from '../../workloads/random';

/**
 * An HTTP proxy in front of a real subgraph that two gateways share, so that both see the same
 * answers, broken the same way: each operation's answer (one by one inside a batch) is changed
 * or not by a PRNG seeded from the seed and the operation itself (its query and variables), so
 * the same operation always gets the same change from whichever gateway and however sent.
 *
 * Changes: a field set to null; a field set to null with an error at its path; the whole data
 * null with an error; an entity left out (null in `_entities`). `mode` also takes the subgraph
 * down (connections dropped) or makes it answer every request with HTTP 500.
 */
export type ProxyMode = 'inject' | 'clean' | 'down' | 'http500';

type Result = { data?: Record<string, unknown> | null; errors?: unknown[]; [k: string]: unknown };

export interface SubgraphProxy {
  url: string;
  mode: ProxyMode;
  /** How many answers were changed, by kind (to check that the run did reach each). */
  changed: Record<string, number>;
  close(): Promise<void>;
}

function seedOf(seed: number, op: { query?: string; variables?: unknown }): number {
  return createHash('sha256')
    .update(`${seed}\n${op.query}\n${JSON.stringify(op.variables ?? {})}`)
    .digest()
    .readUInt32LE(0);
}

/** Objects in an answer's data, with their paths (lists element by element). */
function objectsOf(value: unknown, path: (string | number)[], out: { obj: Record<string, unknown>; path: (string | number)[] }[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => objectsOf(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') {
    out.push({ obj: value as Record<string, unknown>, path });
    for (const [k, v] of Object.entries(value)) objectsOf(v, [...path, k], out);
  }
}

function change(result: Result, random: () => number, changed: Record<string, number>): Result {
  const r = random();
  if (!result.data || r >= 0.3) return result;
  const objects: { obj: Record<string, unknown>; path: (string | number)[] }[] = [];
  objectsOf(result.data, [], objects);
  const candidates = objects.filter((o) => o.path.length > 0 && Object.keys(o.obj).some((k) => k !== '__typename'));
  const entities = result.data._entities;
  const count = (kind: string) => (changed[kind] = (changed[kind] ?? 0) + 1);
  if (r < 0.04) {
    count('data-null');
    return { ...result, data: null, errors: [...(result.errors ?? []), { message: 'Injected failure', extensions: { code: 'INJECTED' } }] };
  }
  if (r < 0.08 && Array.isArray(entities) && entities.length > 0) {
    count('entity-null');
    entities[Math.floor(random() * entities.length)] = null;
    return result;
  }
  const target = candidates[Math.floor(random() * candidates.length)] ?? objects[0];
  if (!target) return result;
  const keys = Object.keys(target.obj).filter((k) => k !== '__typename');
  const key = keys[Math.floor(random() * keys.length)];
  if (key === undefined) return result;
  target.obj[key] = null;
  if (r < 0.18) {
    count('field-null-with-error');
    return { ...result, errors: [...(result.errors ?? []), { message: 'Injected error', path: [...target.path, key], extensions: { code: 'INJECTED' } }] };
  }
  count('field-null');
  return result;
}

export async function startSubgraphProxy(target: string, seed: number): Promise<SubgraphProxy> {
  const changed: Record<string, number> = {};
  const proxy: SubgraphProxy = { url: '', mode: 'inject', changed, close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    // The handler answers every failure itself (502), so nothing is left to a rejected promise.
    req.on(
      'end',
      () =>
        void (async () => {
          if (proxy.mode === 'down') return req.socket.destroy();
          if (proxy.mode === 'http500') {
            res.writeHead(500, { 'content-type': 'application/json' });
            return res.end('{"errors":[{"message":"Injected 500"}]}');
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers))
            if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
          try {
            const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
            const text = await upstream.text();
            let out = text;
            if (proxy.mode === 'inject' && upstream.ok && req.method === 'POST') {
              const sent = JSON.parse(body) as { query?: string; variables?: unknown } | { query?: string; variables?: unknown }[];
              const got = JSON.parse(text) as Result | Result[];
              const one = (op: { query?: string; variables?: unknown }, result: Result) =>
                /^\s*mutation\b/.test(op.query ?? '') ? result : change(result, mulberry32(seedOf(seed, op)), changed);
              out = JSON.stringify(
                Array.isArray(sent) && Array.isArray(got) ? got.map((g, i) => one(sent[i], g)) : one(sent as { query?: string }, got as Result),
              );
            }
            const passOn: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
            const cc = upstream.headers.get('cache-control');
            if (cc) passOn['cache-control'] = cc;
            res.writeHead(upstream.status, passOn);
            res.end(out);
          } catch (err) {
            res.writeHead(502);
            res.end(String(err));
          }
        })(),
    );
  });
  // As the subgraphs it stands for (platform/kit/server.ts): above the gateways' keep-alive idle
  // time, or a gateway reusing a socket just as the proxy closes it gets ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${port}${new URL(target).pathname}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}
