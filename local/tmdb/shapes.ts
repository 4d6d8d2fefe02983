import { createHash } from 'node:crypto';
import type { Catalog, CatalogMovie, CatalogPerson } from './catalog';

// The catalog's films and people in TMDB v3's response shapes (checked against recorded answers).

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

export function detail(m: CatalogMovie) {
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

export function personCredit(p: CatalogPerson) {
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

export function credits(c: Catalog, m: CatalogMovie) {
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

export function videos(m: CatalogMovie) {
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

export function releaseDates(m: CatalogMovie) {
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
export function related(c: Catalog, m: CatalogMovie, offset: number) {
  const mine = new Set(m.genres.map((g) => g.id));
  return c.movies
    .filter((o) => o.id !== m.id)
    .map((o) => ({ o, shared: o.genres.filter((g) => mine.has(g.id)).length }))
    .filter((x) => x.shared > 0)
    .sort((a, b) => b.shared - a.shared || ((a.o.id * 7 + offset) % 13) - ((b.o.id * 7 + offset) % 13) || b.o.popularity - a.o.popularity)
    .map((x) => x.o);
}

export function paged<T>(items: T[], page: number) {
  const perPage = 20;
  return {
    page,
    results: items.slice((page - 1) * perPage, page * perPage),
    total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    total_results: items.length,
  };
}

export function biography(c: Catalog, p: CatalogPerson): string {
  const titles = c.movies.filter((m) => m.cast.some((x) => x.id === p.id) || m.directors.includes(p.id)).map((m) => m.title);
  const role = p.known_for_department === 'Directing' ? 'filmmaker' : p.known_for_department === 'Writing' ? 'writer' : 'actor';
  return `${p.name} is a ${role} known for ${titles.slice(0, 3).join(', ') || 'film work'}.`;
}

export function personCredits(c: Catalog, id: number) {
  const cast = c.movies.flatMap((m) =>
    m.cast.filter((x) => x.id === id).map((x) => ({ ...listItem(m), character: x.character, credit_id: hex(`cast${m.id}-${id}`), order: x.order })),
  );
  const crew = c.movies
    .filter((m) => m.directors.includes(id))
    .map((m) => ({ ...listItem(m), credit_id: hex(`crew${m.id}-${id}`), department: 'Directing', job: 'Director' }));
  return { cast, crew, id };
}
