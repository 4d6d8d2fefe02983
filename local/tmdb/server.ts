/**
 * A local TMDB v3 stand-in: the films of catalog.json served on the paths the movies subgraph
 * uses, in TMDB's response and error shapes (checked against real recorded responses), with
 * TMDB's auth. It logs every request and can inject faults, so tests can count upstream calls
 * and exercise every error path. Run directly (`tsx local/tmdb/server.ts`) to browse it.
 */
import http from 'node:http';
import { ERRORS, loadCatalog } from './catalog';
import { route, type Answer } from './routes';

export interface TmdbServerOptions {
  port?: number;
  host?: string;
  accessToken?: string;
  apiKey?: string;
}

export interface TmdbRequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
}

export type TmdbFault =
  | { kind: 'status'; status: number; statusCode?: number; retryAfterSeconds?: number; times?: number; pathPrefix?: string }
  | { kind: 'delay'; ms: number; times?: number; pathPrefix?: string }
  | { kind: 'malformed'; times?: number; pathPrefix?: string };

export interface TmdbServer {
  url: string;
  port: number;
  requests: TmdbRequestLogEntry[];
  resetLog(): void;
  setFault(fault: TmdbFault | null): void;
  close(): Promise<void>;
}

export async function startTmdbServer(opts: TmdbServerOptions = {}): Promise<TmdbServer> {
  const catalog = loadCatalog();
  const requests: TmdbRequestLogEntry[] = [];
  let fault: (TmdbFault & { used: number }) | null = null;

  const authorised = (req: http.IncomingMessage, q: URLSearchParams): boolean => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const key = q.get('api_key') ?? undefined;
    if (!bearer && !key) return false;
    if (!opts.accessToken && !opts.apiKey) return true;
    return (opts.accessToken !== undefined && bearer === opts.accessToken) || (opts.apiKey !== undefined && key === opts.apiKey);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: TmdbRequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'api_key')),
      status: 0,
      at: Date.now(),
    };
    requests.push(entry);
    const send = (a: Answer, raw?: string) => {
      entry.status = a.status;
      res.writeHead(a.status, { 'content-type': 'application/json;charset=utf-8', ...(a.headers ?? {}) });
      res.end(raw ?? JSON.stringify(a.body));
    };

    const active = fault && (!fault.pathPrefix || url.pathname.startsWith(fault.pathPrefix)) ? fault : null;
    if (active) {
      active.used++;
      if (active.times !== undefined && active.used >= active.times) fault = null;
      if (active.kind === 'status') {
        const body =
          active.status === 429
            ? ERRORS.rateLimit
            : active.status === 401
              ? ERRORS.auth
              : active.status === 404
                ? ERRORS.notFound
                : { ...ERRORS.server, status_code: active.statusCode ?? 11 };
        send({
          status: active.status,
          body,
          headers: active.retryAfterSeconds !== undefined ? { 'retry-after': String(active.retryAfterSeconds) } : undefined,
        });
        return;
      }
      if (active.kind === 'malformed') {
        send({ status: 200, body: null }, '{"page": 1, "results": [');
        return;
      }
      if (active.kind === 'delay') {
        setTimeout(() => {
          if (!res.destroyed) answer();
        }, active.ms);
        return;
      }
    }
    answer();

    function answer() {
      if (req.method !== 'GET') return send({ status: 405, body: { success: false, status_code: 3, status_message: 'Method not allowed.' } });
      if (!authorised(req, url.searchParams)) return send({ status: 401, body: ERRORS.auth });
      send(route(catalog, url.pathname, url.searchParams));
    }
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/3`,
    port,
    requests,
    resetLog: () => {
      requests.length = 0;
    },
    setFault: (f) => {
      fault = f ? { ...f, used: 0 } : null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.TMDB_LOCAL_PORT ?? 4010);
  void startTmdbServer({ port, host: '127.0.0.1' }).then((s) => {
    console.log(`local TMDB catalog (${loadCatalog().movies.length} films) at ${s.url} — any Bearer token or api_key is accepted`);
  });
}
