/**
 * A local OMDb stand-in: `GET /?apikey=<key>&i=<imdb id>` (and `t=<title>`) for the local TMDB
 * catalogue's films, in OMDb's exact response shape (every value a string, `N/A` for what is not
 * known, the `Ratings` array), with the ratings of catalog.json (SOURCES.md says where they come
 * from) and the rest from the TMDB catalogue. It has OMDb's errors (HTTP 200, or 401 for the key
 * and the limit) and a daily request limit per key, logs every request and can inject faults or
 * serve a given answer for an id, so tests count upstream calls and exercise every path.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listen } from '../../platform/http';
import { loadCatalog } from '../tmdb/catalog';

export interface OmdbServerOptions {
  port?: number;
  host?: string;
  /** The accepted key; any non-empty key when unset. */
  apiKey?: string;
  /** Requests per key per UTC day before "Request limit reached!" (OMDb's free key: 1,000). */
  dailyLimit?: number;
}

export interface OmdbRequestLogEntry {
  imdbId: string | null;
  title: string | null;
  status: number;
  /** `Error` of a `Response: "False"` answer. */
  error: string | null;
  at: number;
}

export type OmdbFault =
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'error'; message: string; status?: number; times?: number }
  | { kind: 'delay'; ms: number; times?: number }
  | { kind: 'malformed'; times?: number };

export interface OmdbServer {
  url: string;
  port: number;
  requests: OmdbRequestLogEntry[];
  resetLog(): void;
  setFault(fault: OmdbFault | null): void;
  /** Answers this body for an IMDb id (a recorded shape, e.g. all `N/A`) until cleared with null. */
  setAnswer(imdbId: string, body: Record<string, unknown> | null): void;
  /** Forgets today's request counts. */
  resetQuota(): void;
  close(): Promise<void>;
}

interface OmdbValues {
  imdbID: string;
  title: string;
  imdbRating: string;
  imdbVotes: string;
  rottenTomatoes: string;
  metascore: string;
}

const ERRORS = {
  noKey: 'No API key provided.',
  badKey: 'Invalid API key!',
  limit: 'Request limit reached!',
  badId: 'Incorrect IMDb ID.',
  notFound: 'Movie not found!',
};

const NA = 'N/A';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// OMDb's genre names where TMDB's differ.
const GENRE: Record<string, string> = { 'Science Fiction': 'Sci-Fi', 'TV Movie': 'TV Movie' };

let values: Map<string, OmdbValues> | undefined;
export function loadOmdbValues(): Map<string, OmdbValues> {
  values ??= new Map((JSON.parse(readFileSync(path.join(__dirname, 'catalog.json'), 'utf8')) as { films: OmdbValues[] }).films.map((f) => [f.imdbID, f]));
  return values;
}

const orNA = (s: string | null | undefined) => (s && s.trim() ? s : NA);

/** The OMDb answer for one catalogue film, fields in OMDb's order. */
export function omdbAnswer(imdbId: string): Record<string, unknown> | null {
  const film = loadCatalog().movies.find((m) => m.imdb_id === imdbId);
  const v = loadOmdbValues().get(imdbId);
  if (!film || !v) return null;
  const people = loadCatalog().people;
  const names = (ids: number[]) => ids.map((id) => people[String(id)]?.name).filter(Boolean);
  const [y, mo, d] = film.release_date.split('-');
  const ratings: { Source: string; Value: string }[] = [];
  if (v.imdbRating !== NA) ratings.push({ Source: 'Internet Movie Database', Value: `${v.imdbRating}/10` });
  if (v.rottenTomatoes !== NA) ratings.push({ Source: 'Rotten Tomatoes', Value: v.rottenTomatoes });
  if (v.metascore !== NA) ratings.push({ Source: 'Metacritic', Value: `${v.metascore}/100` });
  return {
    Title: film.title,
    Year: y,
    Rated: orNA(film.certification_us),
    Released: y && mo && d ? `${d} ${MONTHS[Number(mo) - 1]} ${y}` : NA,
    Runtime: film.runtime ? `${film.runtime} min` : NA,
    Genre: orNA(film.genres.map((g) => GENRE[g.name] ?? g.name).join(', ')),
    Director: orNA(names(film.directors).join(', ')),
    Writer: NA,
    Actors: orNA(names(film.cast.slice(0, 3).map((c) => c.id)).join(', ')),
    Plot: orNA(film.overview),
    Language: orNA(
      (film.spoken_languages as { english_name?: string }[])
        .map((l) => l.english_name ?? '')
        .filter(Boolean)
        .join(', '),
    ),
    Country: NA,
    Awards: NA,
    Poster: NA,
    Ratings: ratings,
    Metascore: v.metascore,
    imdbRating: v.imdbRating,
    imdbVotes: v.imdbVotes,
    imdbID: imdbId,
    Type: 'movie',
    DVD: NA,
    BoxOffice: NA,
    Production: NA,
    Website: NA,
    Response: 'True',
  };
}

export async function startOmdbServer(opts: OmdbServerOptions = {}): Promise<OmdbServer> {
  const catalog = loadCatalog();
  const requests: OmdbRequestLogEntry[] = [];
  const answers = new Map<string, Record<string, unknown>>();
  const used = new Map<string, number>();
  const limit = opts.dailyLimit ?? 1000;
  let fault: (OmdbFault & { used: number }) | null = null;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const entry: OmdbRequestLogEntry = { imdbId: q.get('i'), title: q.get('t'), status: 0, error: null, at: Date.now() };
    requests.push(entry);
    const send = (status: number, body: unknown, raw?: string) => {
      entry.status = status;
      const b = body as { Response?: string; Error?: string } | null;
      entry.error = b && b.Response === 'False' ? (b.Error ?? null) : null;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
      res.end(raw ?? JSON.stringify(body));
    };
    const refuse = (status: number, message: string) => send(status, { Response: 'False', Error: message });

    const active = fault;
    if (active) {
      active.used++;
      if (active.times !== undefined && active.used >= active.times) fault = null;
      if (active.kind === 'status')
        return send(
          active.status,
          { Response: 'False', Error: `HTTP ${active.status}` },
          active.status >= 500 ? '<html>Service Unavailable</html>' : undefined,
        );
      if (active.kind === 'error') return refuse(active.status ?? 200, active.message);
      if (active.kind === 'malformed') return send(200, null, '{"Title":"Fight Club","Ratings":[');
      if (active.kind === 'delay') {
        setTimeout(() => {
          if (!res.destroyed) answer();
        }, active.ms);
        return;
      }
    }
    answer();

    function answer() {
      if (req.method !== 'GET') return refuse(405, 'Method not allowed.');
      const key = q.get('apikey');
      if (!key) return refuse(401, ERRORS.noKey);
      if (opts.apiKey !== undefined && key !== opts.apiKey) return refuse(401, ERRORS.badKey);
      // The day's count is OMDb's, per key; a refused request counts no more.
      const day = `${key}|${new Date().toISOString().slice(0, 10)}`;
      const n = used.get(day) ?? 0;
      if (n >= limit) return refuse(401, ERRORS.limit);
      used.set(day, n + 1);
      const id = q.get('i');
      const title = q.get('t');
      if (id !== null) {
        const given = answers.get(id);
        if (given) return send(200, given);
        if (!/^tt\d{7,10}$/.test(id)) return refuse(200, ERRORS.badId);
        const found = omdbAnswer(id);
        return found ? send(200, found) : refuse(200, ERRORS.badId);
      }
      if (title !== null) {
        const film = catalog.movies.find(
          (m) => m.title.toLowerCase() === title.trim().toLowerCase() && (!q.get('y') || m.release_date.startsWith(q.get('y')!)),
        );
        const found = film ? omdbAnswer(film.imdb_id) : null;
        return found ? send(200, found) : refuse(200, ERRORS.notFound);
      }
      return refuse(200, 'Incorrect IMDb ID.');
    }
  });
  server.keepAliveTimeout = 65_000;

  const port = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    resetLog: () => {
      requests.length = 0;
    },
    setFault: (f) => {
      fault = f ? { ...f, used: 0 } : null;
    },
    setAnswer: (id, body) => {
      if (body) answers.set(id, body);
      else answers.delete(id);
    },
    resetQuota: () => used.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.OMDB_LOCAL_PORT ?? 4011);
  void startOmdbServer({ port, host: '127.0.0.1' }).then((s) => {
    console.log(`local OMDb (${loadOmdbValues().size} films) at ${s.url}?apikey=any&i=tt0137523 — any key is accepted`);
  });
}
