/**
 * A local TMDB v3 stand-in: the films of catalog.json served on the paths the movies subgraph
 * uses, in TMDB's response and error shapes (checked against real recorded responses), with
 * TMDB's auth. It logs every request and can inject faults, so tests can count upstream calls
 * and exercise every error path. Run directly (`tsx local/tmdb/server.ts`) to browse it.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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

interface CatalogMovie {
  id: number;
  imdb_id: string;
  title: string;
  original_title: string;
  original_language: string;
  release_date: string;
  runtime: number;
  genres: { id: number; name: string }[];
  vote_average: number;
  vote_count: number;
  popularity: number;
  poster_path: string | null;
  backdrop_path: string | null;
  tagline: string;
  status: string;
  budget: number;
  revenue: number;
  homepage: string;
  belongs_to_collection: unknown;
  production_companies: unknown[];
  spoken_languages: unknown[];
  certification_us: string;
  cast: { id: number; character: string; order: number }[];
  directors: number[];
  videos: { key: string; name: string; site: string; type: string; official: boolean }[];
  overview: string;
}

interface CatalogPerson {
  id: number;
  name: string;
  birthday: string | null;
  deathday: string | null;
  place_of_birth: string | null;
  known_for_department: string;
  gender: number;
  profile_path: string | null;
}

interface Catalog {
  movies: CatalogMovie[];
  people: Record<string, CatalogPerson>;
}

const GENRES = [
  [28, 'Action'],
  [12, 'Adventure'],
  [16, 'Animation'],
  [35, 'Comedy'],
  [80, 'Crime'],
  [99, 'Documentary'],
  [18, 'Drama'],
  [10751, 'Family'],
  [14, 'Fantasy'],
  [36, 'History'],
  [27, 'Horror'],
  [10402, 'Music'],
  [9648, 'Mystery'],
  [10749, 'Romance'],
  [878, 'Science Fiction'],
  [10770, 'TV Movie'],
  [53, 'Thriller'],
  [10752, 'War'],
  [37, 'Western'],
].map(([id, name]) => ({ id: id as number, name: name as string }));

const CONFIGURATION = {
  images: {
    base_url: 'http://image.tmdb.org/t/p/',
    secure_base_url: 'https://image.tmdb.org/t/p/',
    backdrop_sizes: ['w300', 'w780', 'w1280', 'original'],
    logo_sizes: ['w45', 'w92', 'w154', 'w185', 'w300', 'w500', 'original'],
    poster_sizes: ['w92', 'w154', 'w185', 'w342', 'w500', 'w780', 'original'],
    profile_sizes: ['w45', 'w185', 'h632', 'original'],
    still_sizes: ['w92', 'w185', 'w300', 'original'],
  },
  change_keys: ['adult', 'biography', 'birthday', 'budget', 'cast', 'crew', 'genres', 'images', 'overview', 'release_dates', 'runtime', 'title', 'videos'],
};

const ERRORS = {
  auth: { status_code: 7, status_message: 'Invalid API key: You must be granted a valid key.', success: false },
  notFound: { success: false, status_code: 34, status_message: 'The resource you requested could not be found.' },
  page: { success: false, status_code: 22, status_message: 'Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.' },
  rateLimit: { status_code: 25, status_message: 'Your request count (#) is over the allowed limit of (40).', success: false },
  server: { success: false, status_code: 11, status_message: 'Internal error: Something went wrong, contact TMDb.' },
};

let cached: Catalog | undefined;
export function loadCatalog(): Catalog {
  cached ??= JSON.parse(readFileSync(path.join(__dirname, 'catalog.json'), 'utf8')) as Catalog;
  return cached;
}

/** Stable pseudo-random ids and dates derived from a seed, so responses never change between runs. */
function hex(seed: string, length = 24): string {
  return createHash('sha1').update(seed).digest('hex').slice(0, length);
}

export function listItem(m: CatalogMovie) {
  return {
    adult: false,
    backdrop_path: m.backdrop_path,
    genre_ids: m.genres.map((g) => g.id),
    id: m.id,
    original_language: m.original_language,
    original_title: m.original_title,
    overview: m.overview,
    popularity: m.popularity,
    poster_path: m.poster_path,
    release_date: m.release_date,
    title: m.title,
    video: false,
    vote_average: m.vote_average,
    vote_count: m.vote_count,
  };
}

function detail(m: CatalogMovie) {
  return {
    adult: false,
    backdrop_path: m.backdrop_path,
    belongs_to_collection: m.belongs_to_collection,
    budget: m.budget,
    genres: m.genres,
    homepage: m.homepage,
    id: m.id,
    imdb_id: m.imdb_id,
    origin_country: [],
    original_language: m.original_language,
    original_title: m.original_title,
    overview: m.overview,
    popularity: m.popularity,
    poster_path: m.poster_path,
    production_companies: m.production_companies,
    production_countries: [],
    release_date: m.release_date,
    revenue: m.revenue,
    runtime: m.runtime,
    spoken_languages: m.spoken_languages,
    status: m.status,
    tagline: m.tagline,
    title: m.title,
    video: false,
    vote_average: m.vote_average,
    vote_count: m.vote_count,
  };
}

function personCredit(p: CatalogPerson) {
  return {
    adult: false,
    gender: p.gender,
    id: p.id,
    known_for_department: p.known_for_department,
    name: p.name,
    original_name: p.name,
    popularity: 10,
    profile_path: p.profile_path,
  };
}

function credits(c: Catalog, m: CatalogMovie) {
  const cast = m.cast
    .filter((x) => c.people[String(x.id)])
    .map((x) => ({
      ...personCredit(c.people[String(x.id)]),
      cast_id: x.order + 1,
      character: x.character,
      credit_id: hex(`cast${m.id}-${x.id}`),
      order: x.order,
    }));
  const crew = m.directors
    .filter((id) => c.people[String(id)])
    .map((id) => ({ ...personCredit(c.people[String(id)]), credit_id: hex(`crew${m.id}-${id}`), department: 'Directing', job: 'Director' }));
  return { cast, crew };
}

function videos(m: CatalogMovie) {
  return {
    results: m.videos.map((v) => ({
      iso_639_1: 'en',
      iso_3166_1: 'US',
      name: v.name,
      key: v.key,
      site: v.site,
      size: 1080,
      type: v.type,
      official: v.official,
      published_at: `${m.release_date}T16:00:00.000Z`,
      id: hex(`video${m.id}${v.key}`),
    })),
  };
}

function releaseDates(m: CatalogMovie) {
  return {
    results: [
      {
        iso_3166_1: 'US',
        release_dates: [
          {
            certification: m.certification_us === 'NR' ? '' : m.certification_us,
            descriptors: [],
            iso_639_1: '',
            note: '',
            release_date: `${m.release_date}T00:00:00.000Z`,
            type: 3,
          },
        ],
      },
    ],
  };
}

/** Films sharing the most genres, most popular first: deterministic stand-ins for TMDB's own lists. */
function related(c: Catalog, m: CatalogMovie, offset: number) {
  const mine = new Set(m.genres.map((g) => g.id));
  return c.movies
    .filter((o) => o.id !== m.id)
    .map((o) => ({ o, shared: o.genres.filter((g) => mine.has(g.id)).length }))
    .filter((x) => x.shared > 0)
    .sort((a, b) => b.shared - a.shared || ((a.o.id * 7 + offset) % 13) - ((b.o.id * 7 + offset) % 13) || b.o.popularity - a.o.popularity)
    .map((x) => x.o);
}

function paged<T>(items: T[], page: number) {
  const perPage = 20;
  return {
    page,
    results: items.slice((page - 1) * perPage, page * perPage),
    total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    total_results: items.length,
  };
}

function biography(c: Catalog, p: CatalogPerson): string {
  const titles = c.movies.filter((m) => m.cast.some((x) => x.id === p.id) || m.directors.includes(p.id)).map((m) => m.title);
  const role = p.known_for_department === 'Directing' ? 'filmmaker' : p.known_for_department === 'Writing' ? 'writer' : 'actor';
  return `${p.name} is a ${role} known for ${titles.slice(0, 3).join(', ') || 'film work'}.`;
}

function personCredits(c: Catalog, id: number) {
  const cast = c.movies.flatMap((m) =>
    m.cast.filter((x) => x.id === id).map((x) => ({ ...listItem(m), character: x.character, credit_id: hex(`cast${m.id}-${id}`), order: x.order })),
  );
  const crew = c.movies
    .filter((m) => m.directors.includes(id))
    .map((m) => ({ ...listItem(m), credit_id: hex(`crew${m.id}-${id}`), department: 'Directing', job: 'Director' }));
  return { cast, crew, id };
}

const SORTS: Record<string, (a: CatalogMovie, b: CatalogMovie) => number> = {
  'popularity.desc': (a, b) => b.popularity - a.popularity,
  'popularity.asc': (a, b) => a.popularity - b.popularity,
  'vote_average.desc': (a, b) => b.vote_average - a.vote_average,
  'vote_average.asc': (a, b) => a.vote_average - b.vote_average,
  'primary_release_date.desc': (a, b) => b.release_date.localeCompare(a.release_date),
  'primary_release_date.asc': (a, b) => a.release_date.localeCompare(b.release_date),
  'revenue.desc': (a, b) => b.revenue - a.revenue,
  'vote_count.desc': (a, b) => b.vote_count - a.vote_count,
};

function discover(c: Catalog, q: URLSearchParams): CatalogMovie[] {
  let list = [...c.movies];
  const genres = q.get('with_genres');
  if (genres) {
    // TMDB: comma means AND, pipe means OR.
    const groups = genres.split(',').map((g) => g.split('|').map(Number));
    list = list.filter((m) => groups.every((any) => any.some((g) => m.genres.some((x) => x.id === g))));
  }
  const people = (key: string, test: (m: CatalogMovie, id: number) => boolean) => {
    const v = q.get(key);
    if (!v) return;
    const ids = v.split(/[|,]/).map(Number);
    list = list.filter((m) => ids.some((id) => test(m, id)));
  };
  people('with_cast', (m, id) => m.cast.some((x) => x.id === id));
  people('with_crew', (m, id) => m.directors.includes(id));
  const gte = q.get('primary_release_date.gte') ?? q.get('release_date.gte');
  const lte = q.get('primary_release_date.lte') ?? q.get('release_date.lte');
  if (gte) list = list.filter((m) => m.release_date >= gte);
  if (lte) list = list.filter((m) => m.release_date <= lte);
  const va = q.get('vote_average.gte');
  if (va) list = list.filter((m) => m.vote_average >= Number(va));
  const vc = q.get('vote_count.gte');
  if (vc) list = list.filter((m) => m.vote_count >= Number(vc));
  const lang = q.get('with_original_language');
  if (lang) list = list.filter((m) => m.original_language === lang);
  return list.sort(SORTS[q.get('sort_by') ?? 'popularity.desc'] ?? SORTS['popularity.desc']);
}

function search<T>(items: T[], text: (t: T) => string, query: string): T[] {
  const words = query
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/\s+/)
    .filter(Boolean);
  return items.filter((i) => {
    const t = text(i)
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '');
    return words.every((w) => t.includes(w));
  });
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function route(c: Catalog, pathname: string, q: URLSearchParams): Answer {
  const ok = (body: unknown): Answer => ({ status: 200, body });
  const notFound: Answer = { status: 404, body: ERRORS.notFound };
  let page = 1;
  if (q.has('page')) {
    const raw = q.get('page')!;
    page = Number(raw);
    if (!/^\d+$/.test(raw) || page < 1 || page > 500) return { status: 400, body: ERRORS.page };
  }
  const byPopularity = [...c.movies].sort((a, b) => b.popularity - a.popularity);
  const byYear = [...c.movies].sort((a, b) => b.release_date.localeCompare(a.release_date));
  const dates = { maximum: byYear[0]?.release_date ?? '', minimum: byYear[Math.min(19, byYear.length - 1)]?.release_date ?? '' };

  if (pathname === '/3/configuration') return ok(CONFIGURATION);
  if (pathname === '/3/genre/movie/list') return ok({ genres: GENRES });
  if (pathname === '/3/movie/popular') return ok(paged(byPopularity.map(listItem), page));
  if (pathname === '/3/movie/top_rated')
    return ok(paged([...c.movies].sort((a, b) => b.vote_average - a.vote_average || b.vote_count - a.vote_count).map(listItem), page));
  if (pathname === '/3/movie/upcoming') return ok({ dates, ...paged(byYear.map(listItem), page) });
  if (pathname === '/3/movie/now_playing') return ok({ dates, ...paged(byYear.map(listItem), page) });
  let m = /^\/3\/trending\/movie\/(day|week)$/.exec(pathname);
  if (m) {
    const window = m[1];
    const trending = [...c.movies].sort((a, b) => (window === 'day' ? b.popularity * (b.id % 7) - a.popularity * (a.id % 7) : b.popularity - a.popularity));
    return ok(
      paged(
        trending.map((x) => ({ ...listItem(x), media_type: 'movie' })),
        page,
      ),
    );
  }
  if (pathname === '/3/search/movie') {
    const query = q.get('query') ?? '';
    let found = search(c.movies, (x) => `${x.title} ${x.original_title}`, query);
    const year = q.get('year') ?? q.get('primary_release_year');
    if (year) found = found.filter((x) => x.release_date.startsWith(year));
    return ok(paged(found.sort((a, b) => b.popularity - a.popularity).map(listItem), page));
  }
  if (pathname === '/3/search/person') {
    const found = search(Object.values(c.people), (p) => p.name, q.get('query') ?? '');
    return ok(
      paged(
        found.map((p) => ({ ...personCredit(p), known_for: personCredits(c, p.id).cast.slice(0, 3) })),
        page,
      ),
    );
  }
  if (pathname === '/3/discover/movie') return ok(paged(discover(c, q).map(listItem), page));

  m = /^\/3\/person\/(\d+)(\/movie_credits)?$/.exec(pathname);
  if (m) {
    const p = c.people[m[1]];
    if (!p) return notFound;
    if (m[2]) return ok(personCredits(c, p.id));
    return ok({
      adult: false,
      also_known_as: [],
      biography: biography(c, p),
      birthday: p.birthday,
      deathday: p.deathday,
      gender: p.gender,
      homepage: null,
      id: p.id,
      imdb_id: null,
      known_for_department: p.known_for_department,
      name: p.name,
      place_of_birth: p.place_of_birth,
      popularity: 10,
      profile_path: p.profile_path,
    });
  }

  m = /^\/3\/movie\/(\d+)(?:\/(credits|videos|release_dates|recommendations|similar|external_ids|images))?$/.exec(pathname);
  if (m) {
    const movie = c.movies.find((x) => x.id === Number(m[1]));
    if (!movie) return notFound;
    const blocks: Record<string, () => unknown> = {
      credits: () => credits(c, movie),
      videos: () => videos(movie),
      release_dates: () => releaseDates(movie),
      recommendations: () => paged(related(c, movie, 1).map(listItem), page),
      similar: () => paged(related(c, movie, 2).map(listItem), page),
      external_ids: () => ({ imdb_id: movie.imdb_id, wikidata_id: null, facebook_id: null, instagram_id: null, twitter_id: null }),
      images: () => ({
        backdrops: [],
        logos: [],
        posters: movie.poster_path
          ? [{ aspect_ratio: 0.667, height: 3000, iso_639_1: 'en', file_path: movie.poster_path, vote_average: 5, vote_count: 1, width: 2000 }]
          : [],
      }),
    };
    const sub = m[2];
    // A sub-resource carries the film's id; an appended block does not (as TMDB does).
    if (sub) return ok({ id: movie.id, ...(blocks[sub]() as object) });
    const out: Record<string, unknown> = detail(movie);
    for (const name of (q.get('append_to_response') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (blocks[name]) out[name] = blocks[name]();
    }
    return ok(out);
  }
  return notFound;
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
