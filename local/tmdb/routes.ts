import { CONFIGURATION, ERRORS, GENRES, type Catalog, type CatalogMovie } from './catalog';
import { movieWatchProviders, offeredBy, providerList } from './watch';
import { biography, credits, detail, listItem, paged, personCredit, personCredits, related, releaseDates, videos } from './shapes';

// TMDB v3's paths that Marquee uses, answered from the catalog: what a request gets when no fault is set.

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
  const providers = q.get('with_watch_providers');
  if (providers) list = list.filter((m) => offeredBy(m, providers, q.get('watch_region') ?? 'US'));
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

export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export function route(c: Catalog, pathname: string, q: URLSearchParams): Answer {
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
  if (pathname === '/3/watch/providers/movie') return ok(providerList(q.get('watch_region')));
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

  m = /^\/3\/movie\/(\d+)(?:\/(credits|videos|release_dates|recommendations|similar|external_ids|images|watch\/providers))?$/.exec(pathname);
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
      'watch/providers': () => ({ results: movieWatchProviders(movie).results }),
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
