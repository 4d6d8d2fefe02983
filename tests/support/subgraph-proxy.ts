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
 *
 * An entity fetch is answered per distinct representation, however often it repeats one: the
 * proxy asks the subgraph for each once, changes each entity's answer on its own (seeded by the
 * operation's text, its other variables and that representation alone, at lower odds than a
 * whole operation), and gives every repeat its representation's answer and errors. So a gateway
 * that sends each representation once (Marquee), one that repeats them (stock), and one that
 * sends only the entities it has not cached (Marquee's per-entity cache) get the same answer for
 * the same entity, as from any subgraph whose answer for an entity depends neither on its
 * position nor on the other entities asked with it. An entity drawn to fail the whole fetch
 * makes its fetch data null with one error, whichever entities came with it.
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

type Op = { query?: string; variables?: Record<string, unknown> };

/** The operation with each distinct representation once, and for every original position the index of its own. */
function fold(op: Op): { op: Op; positions?: number[] } {
  const reps = op.variables?.representations;
  if (!Array.isArray(reps)) return { op };
  const index = new Map<string, number>();
  const distinct: unknown[] = [];
  const positions = reps.map((r) => {
    const key = JSON.stringify(r);
    if (!index.has(key)) index.set(key, distinct.push(r) - 1);
    return index.get(key)!;
  });
  if (distinct.length === reps.length) return { op };
  return { op: { ...op, variables: { ...op.variables, representations: distinct } }, positions };
}

/** The folded answer given back to every original position (errors at `_entities.<i>` once per repeat, in position order). */
function unfold(result: Result, positions: number[] | undefined): Result {
  if (!positions) return result;
  const entities = result.data?._entities;
  const errors = (result.errors ?? []) as { path?: (string | number)[] }[];
  const atPosition = (e: { path?: (string | number)[] }) => (e.path?.[0] === '_entities' && typeof e.path[1] === 'number' ? e.path[1] : undefined);
  const unfoldedErrors: { at: number; e: unknown }[] = [];
  let last = -1;
  for (const e of errors) {
    const d = atPosition(e);
    if (d === undefined) {
      unfoldedErrors.push({ at: last, e });
      continue;
    }
    const repeats = positions.flatMap((p, i) => (p === d ? [i] : []));
    for (const i of repeats) unfoldedErrors.push({ at: i, e: { ...e, path: ['_entities', i, ...e.path!.slice(2)] } });
    last = repeats[0] ?? last;
  }
  unfoldedErrors.sort((a, b) => a.at - b.at);
  return {
    ...result,
    ...(Array.isArray(entities) ? { data: { ...result.data, _entities: positions.map((p) => entities[p] as unknown) } } : {}),
    ...(result.errors ? { errors: unfoldedErrors.map((x) => x.e) } : {}),
  };
}

/** Cumulative odds of each change: data null, an entity null, a field null with an error, a field null. */
type Odds = readonly [number, number, number, number];
const OPERATION_ODDS: Odds = [0.04, 0.08, 0.18, 0.3];
// Per entity, lower: a page of 20 films would otherwise nearly always lose a whole fetch.
const ENTITY_ODDS: Odds = [0.005, 0.02, 0.06, 0.13];

function change(result: Result, random: () => number, changed: Record<string, number>, odds: Odds = OPERATION_ODDS): Result {
  const r = random();
  if (!result.data || r >= odds[3]) return result;
  const objects: { obj: Record<string, unknown>; path: (string | number)[] }[] = [];
  objectsOf(result.data, [], objects);
  const candidates = objects.filter((o) => o.path.length > 0 && Object.keys(o.obj).some((k) => k !== '__typename'));
  const entities = result.data._entities;
  const count = (kind: string) => (changed[kind] = (changed[kind] ?? 0) + 1);
  if (r < odds[0]) {
    count('data-null');
    return { ...result, data: null, errors: [...(result.errors ?? []), { message: 'Injected failure', extensions: { code: 'INJECTED' } }] };
  }
  if (r < odds[1] && Array.isArray(entities) && entities.length > 0) {
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
  if (r < odds[2]) {
    count('field-null-with-error');
    return { ...result, errors: [...(result.errors ?? []), { message: 'Injected error', path: [...target.path, key], extensions: { code: 'INJECTED' } }] };
  }
  count('field-null');
  return result;
}

type Located = { path?: (string | number)[] };
const entityAt = (e: Located) => (e.path?.[0] === '_entities' && typeof e.path[1] === 'number' ? e.path[1] : undefined);

/** An entity fetch's answer (to distinct representations) changed entity by entity, each seeded by itself. */
function changeEntities(result: Result, op: Op, seed: number, changed: Record<string, number>): Result {
  const reps = op.variables?.representations as unknown[];
  const entities = result.data?._entities;
  // Not an answer to these representations (the subgraph failed): passed on as it came.
  if (!result.data || !Array.isArray(entities) || entities.length !== reps.length) return result;
  const { representations: _reps, ...others } = op.variables!;
  const errors = (result.errors ?? []) as Located[];
  const outErrors: unknown[] = errors.filter((e) => entityAt(e) === undefined);
  const outEntities: unknown[] = [];
  let failed = false;
  reps.forEach((rep, d) => {
    const own: Result = {
      data: { _entities: [entities[d]] },
      errors: errors.filter((e) => entityAt(e) === d).map((e) => ({ ...e, path: ['_entities', 0, ...e.path!.slice(2)] })),
    };
    // An entity with no field to change (null, or __typename only) is left alone: change() would
    // fall back to the answer's root.
    const entity = entities[d] as Record<string, unknown> | null;
    const changeable = entity !== null && typeof entity === 'object' && Object.keys(entity).some((k) => k !== '__typename');
    const alone = !changeable
      ? own
      : change(own, mulberry32(seedOf(seed, { query: op.query, variables: { ...others, representations: [rep] } })), changed, ENTITY_ODDS);
    if (!alone.data) {
      failed = true;
      return;
    }
    outEntities.push((alone.data._entities as unknown[])[0]);
    for (const e of (alone.errors ?? []) as Located[]) outErrors.push(entityAt(e) === 0 ? { ...e, path: ['_entities', d, ...e.path!.slice(2)] } : e);
  });
  if (failed) return { data: null, errors: [{ message: 'Injected failure', extensions: { code: 'INJECTED' } }] };
  return { ...result, data: { ...result.data, _entities: outEntities }, ...(outErrors.length > 0 || result.errors ? { errors: outErrors } : {}) };
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
            // Entity fetches go upstream folded (see above), unless the proxy passes answers on clean.
            const parsed = proxy.mode === 'inject' && req.method === 'POST' ? (JSON.parse(body) as Op | Op[]) : undefined;
            const folded = parsed && (Array.isArray(parsed) ? parsed.map(fold) : [fold(parsed)]);
            const sentOps = folded?.map((f) => f.op);
            const upstreamBody = parsed ? JSON.stringify(Array.isArray(parsed) ? sentOps : sentOps![0]) : body;
            const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? upstreamBody : undefined });
            const text = await upstream.text();
            let out = text;
            if (folded && upstream.ok) {
              const got = JSON.parse(text) as Result | Result[];
              const one = (i: number, result: Result) => {
                const { op, positions } = folded[i];
                if (/^\s*mutation\b/.test(op.query ?? '')) return unfold(result, positions);
                if (Array.isArray(op.variables?.representations)) return unfold(changeEntities(result, op, seed, changed), positions);
                return unfold(change(result, mulberry32(seedOf(seed, op)), changed), positions);
              };
              out = JSON.stringify(Array.isArray(parsed) && Array.isArray(got) ? got.map((g, i) => one(i, g)) : one(0, got as Result));
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
