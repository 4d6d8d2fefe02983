import { userInputError } from '../../platform/errors';
import { selectedBlocks } from './selection';
import { externalRatingsResolvers } from './external-ratings';
import type { MoviesContext } from './context';
import type { MovieParent, MoviePageParent, PersonParent } from './model';
import type { Resolvers, PosterSize, BackdropSize, ProfileSize, VideoType, MovieSort, DiscoverFilter } from './generated/resolvers';
import type { MovieWithBlocks } from '../../platform/tmdb/client';
import { TmdbError } from '../../platform/tmdb/errors';
import type { MovieBlock, TmdbMovieListItem, TmdbPaged } from '../../platform/tmdb/types';

const MAX_IDS = 100;
const TMDB_ID = /^[1-9]\d{0,9}$/;

function checkPage(page: number): number {
  if (!Number.isInteger(page) || page < 1 || page > 500) throw userInputError('page must be an integer from 1 to 500.', 'page');
  return page;
}

function checkId(id: string, field = 'id'): string {
  if (!TMDB_ID.test(id)) throw userInputError(`${field} must be a TMDB id (a positive integer).`, field);
  return id;
}

/** TmdbErrors become coded GraphQL errors; anything else stays an internal error. */
function upstream(err: unknown): never {
  throw err instanceof TmdbError ? err.toGraphQLError() : err;
}

async function detail(ctx: MoviesContext, id: string, blocks: MovieBlock[] = []): Promise<MovieWithBlocks> {
  return ctx.movieLoader.load({ id, blocks }).catch(upstream);
}

/** A field available in list items is read from there; otherwise from the detail call. */
async function listOrDetail<K extends keyof TmdbMovieListItem>(parent: MovieParent, ctx: MoviesContext, key: K) {
  if (parent.list && parent.list[key] !== undefined) return parent.list[key];
  const d = await detail(ctx, parent.id);
  return (d.detail as TmdbMovieListItem)[key];
}

function toPage(p: TmdbPaged<TmdbMovieListItem>): MoviePageParent {
  return {
    page: p.page,
    totalPages: Math.min(p.total_pages ?? 0, 500),
    totalResults: p.total_results ?? 0,
    results: (p.results ?? []).filter((m) => typeof m?.id === 'number').map((m) => ({ id: String(m.id), list: m })),
  };
}

const SIZE_WIDTH: Record<string, number | null> = { ORIGINAL: null };
function image(base: string, size: PosterSize | BackdropSize | ProfileSize, path: string | null | undefined) {
  if (!path) return null;
  const segment = size === 'ORIGINAL' ? 'original' : size.toLowerCase();
  const width = size in SIZE_WIDTH ? SIZE_WIDTH[size] : size.startsWith('W') ? Number(size.slice(1)) : null;
  return { url: `${base.replace(/\/$/, '')}/${segment}${path}`, width, filePath: path };
}

function emptyToNull(s: string | null | undefined): string | null {
  return s === undefined || s === null || s === '' ? null : s;
}

function positiveOrNull(n: number | null | undefined): number | null {
  return typeof n === 'number' && n > 0 ? n : null;
}

export const resolvers: Resolvers = {
  Query: {
    movie: async (_p, { id }, ctx, info) => {
      checkId(id);
      // Fetch once, with every block the operation selects, so the field resolvers find it loaded.
      await detail(ctx, id, selectedBlocks(info));
      return { id };
    },
    movies: async (_p, { ids }, ctx, info) => {
      if (ids.length > MAX_IDS) throw userInputError(`ids: at most ${MAX_IDS} ids per call.`, 'ids');
      ids.forEach((id) => checkId(id, 'ids'));
      const blocks = selectedBlocks(info);
      const found = await Promise.all(
        ids.map((id) =>
          ctx.movieLoader.load({ id, blocks }).then(
            () => ({ id }),
            (err: unknown) => {
              if (err instanceof TmdbError && err.kind === 'not_found') return null;
              return upstream(err);
            },
          ),
        ),
      );
      return found;
    },
    popularMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.popular(checkPage(page)).catch(upstream)),
    topRatedMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.topRated(checkPage(page)).catch(upstream)),
    upcomingMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.upcoming(checkPage(page)).catch(upstream)),
    nowPlayingMovies: async (_p, { page }, ctx) => toPage(await ctx.tmdb.nowPlaying(checkPage(page)).catch(upstream)),
    trendingMovies: async (_p, { window, page }, ctx) => toPage(await ctx.tmdb.trending(window === 'WEEK' ? 'week' : 'day', checkPage(page)).catch(upstream)),
    discoverMovies: async (_p, { filter, sort, page }, ctx) =>
      toPage(await ctx.tmdb.discover(discoverQuery(filter ?? {}, sort), checkPage(page)).catch(upstream)),
    searchPeople: async (_p, { query, page }, ctx) => {
      const q = query.trim();
      if (q.length < 1 || q.length > 200) throw userInputError('query must be 1 to 200 characters.', 'query');
      const res = await ctx.tmdb.searchPeople(q, checkPage(page)).catch(upstream);
      return {
        page: res.page,
        totalPages: Math.min(res.total_pages ?? 0, 500),
        totalResults: res.total_results ?? 0,
        results: (res.results ?? []).filter((p) => typeof p?.id === 'number').map((p) => ({ id: String(p.id), credit: p })),
      };
    },
    searchMovies: async (_p, { query, year, page }, ctx) => {
      const q = query.trim();
      if (q.length < 1 || q.length > 200) throw userInputError('query must be 1 to 200 characters.', 'query');
      if (year !== null && year !== undefined && (year < 1870 || year > 2100)) throw userInputError('year must be from 1870 to 2100.', 'year');
      return toPage(await ctx.tmdb.searchMovies(q, year ?? undefined, checkPage(page)).catch(upstream));
    },
    genres: async (_p, _a, ctx) => (await ctx.tmdb.genres().catch(upstream)).map((g) => ({ id: String(g.id), name: g.name })),
    person: async (_p, { id }, ctx) => {
      checkId(id);
      const full = await ctx.personLoader.load(id).catch(upstream);
      return { id, full };
    },
  },

  Movie: {
    __resolveReference: (ref) => ({ id: ref.id }),
    ...externalRatingsResolvers.Movie,
    id: (p) => p.id,
    title: async (p, _a, ctx) => (await listOrDetail(p, ctx, 'title')) ?? '',
    originalTitle: async (p, _a, ctx) => emptyToNull(await listOrDetail(p, ctx, 'original_title')),
    originalLanguage: async (p, _a, ctx) => emptyToNull(await listOrDetail(p, ctx, 'original_language')),
    overview: async (p, _a, ctx) => emptyToNull(await listOrDetail(p, ctx, 'overview')),
    releaseDate: async (p, _a, ctx) => emptyToNull(await listOrDetail(p, ctx, 'release_date')),
    year: async (p, _a, ctx) => {
      const date = await listOrDetail(p, ctx, 'release_date');
      return date && /^\d{4}/.test(date) ? Number(date.slice(0, 4)) : null;
    },
    popularity: async (p, _a, ctx) => (await listOrDetail(p, ctx, 'popularity')) ?? null,
    tmdbRating: async (p, _a, ctx) => ({
      average: (await listOrDetail(p, ctx, 'vote_average')) ?? 0,
      voteCount: (await listOrDetail(p, ctx, 'vote_count')) ?? 0,
    }),
    poster: async (p, { size }, ctx) => image(ctx.imageBaseUrl, size, await listOrDetail(p, ctx, 'poster_path')),
    backdrop: async (p, { size }, ctx) => image(ctx.imageBaseUrl, size, await listOrDetail(p, ctx, 'backdrop_path')),
    genres: async (p, _a, ctx) => {
      if (p.list?.genre_ids) {
        const all = await ctx.tmdb.genres().catch(upstream);
        const names = new Map(all.map((g) => [g.id, g.name]));
        return p.list.genre_ids.filter((id) => names.has(id)).map((id) => ({ id: String(id), name: names.get(id)! }));
      }
      const d = await detail(ctx, p.id);
      return (d.detail.genres ?? []).map((g) => ({ id: String(g.id), name: g.name }));
    },
    runtime: async (p, _a, ctx) => positiveOrNull((await detail(ctx, p.id)).detail.runtime),
    status: async (p, _a, ctx) => emptyToNull((await detail(ctx, p.id)).detail.status),
    tagline: async (p, _a, ctx) => emptyToNull((await detail(ctx, p.id)).detail.tagline),
    imdbId: async (p, _a, ctx) => emptyToNull((await detail(ctx, p.id)).detail.imdb_id),
    budget: async (p, _a, ctx) => positiveOrNull((await detail(ctx, p.id)).detail.budget),
    revenue: async (p, _a, ctx) => positiveOrNull((await detail(ctx, p.id)).detail.revenue),
    homepage: async (p, _a, ctx) => emptyToNull((await detail(ctx, p.id)).detail.homepage),
    cast: async (p, { first }, ctx) => {
      if (first < 1 || first > 100) throw userInputError('first must be from 1 to 100.', 'first');
      const credits = (await detail(ctx, p.id, ['credits'])).blocks.credits;
      return (credits?.cast ?? [])
        .filter((c) => typeof c?.id === 'number')
        .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
        .slice(0, first)
        .map((member) => ({ member }));
    },
    directors: async (p, _a, ctx) => {
      const credits = (await detail(ctx, p.id, ['credits'])).blocks.credits;
      const seen = new Set<number>();
      return (credits?.crew ?? [])
        .filter((c) => c.job === 'Director' && !seen.has(c.id) && seen.add(c.id))
        .map((c): PersonParent => ({ id: String(c.id), credit: c }));
    },
    crew: async (p, { department, job }, ctx) => {
      const credits = (await detail(ctx, p.id, ['credits'])).blocks.credits;
      return (credits?.crew ?? [])
        .filter((c) => typeof c?.id === 'number')
        .filter((c) => (department ? c.department === department : true) && (job ? c.job === job : true))
        .map((member) => ({ member }));
    },
    videos: async (p, { type }, ctx) => {
      const videos = (await detail(ctx, p.id, ['videos'])).blocks.videos?.results ?? [];
      return videos.filter((v) => v?.key && (!type || videoType(v.type) === type));
    },
    trailers: async (p, _a, ctx) => {
      const videos = (await detail(ctx, p.id, ['videos'])).blocks.videos?.results ?? [];
      return videos.filter((v) => v?.key && videoType(v.type) === 'TRAILER').sort((a, b) => Number(Boolean(b.official)) - Number(Boolean(a.official)));
    },
    recommendations: async (p, { page }, ctx) => related(ctx, p.id, 'recommendations', checkPage(page)),
    similar: async (p, { page }, ctx) => related(ctx, p.id, 'similar', checkPage(page)),
    certification: async (p, { country }, ctx) => {
      if (!/^[A-Z]{2}$/.test(country)) throw userInputError('country must be an ISO 3166-1 code such as US.', 'country');
      const rd = (await detail(ctx, p.id, ['release_dates'])).blocks.release_dates;
      const dates = rd?.results?.find((r) => r.iso_3166_1 === country)?.release_dates ?? [];
      // Theatrical releases (types 3 and 2) carry the certification people mean; others may differ.
      const ranked = [...dates].filter((d) => d.certification).sort((a, b) => rank(a.type) - rank(b.type));
      return ranked[0]?.certification ?? null;
    },
    collection: async (p, _a, ctx) => (await detail(ctx, p.id)).detail.belongs_to_collection ?? null,
    productionCompanies: async (p, _a, ctx) => ((await detail(ctx, p.id)).detail.production_companies ?? []).filter((c) => c?.name),
    spokenLanguages: async (p, _a, ctx) => ((await detail(ctx, p.id)).detail.spoken_languages ?? []).filter((l) => l?.iso_639_1),
  },

  CrewMember: {
    person: (p) => ({ id: String(p.member.id), credit: p.member }),
    department: (p) => emptyToNull(p.member.department),
    job: (p) => emptyToNull(p.member.job),
  },

  Video: {
    id: (v) => v.id,
    name: (v) => v.name ?? '',
    type: (v) => videoType(v.type),
    site: (v) => v.site ?? '',
    key: (v) => v.key ?? '',
    url: (v) => videoUrl(v.site, v.key),
    official: (v) => Boolean(v.official),
    publishedAt: (v) => emptyToNull(v.published_at),
  },

  Collection: {
    id: (c) => String(c.id),
    name: (c) => c.name,
    poster: (c, { size }, ctx) => image(ctx.imageBaseUrl, size, c.poster_path),
  },

  Company: {
    id: (c) => String(c.id),
    name: (c) => c.name,
    originCountry: (c) => emptyToNull(c.origin_country),
  },

  SpokenLanguage: {
    code: (l) => l.iso_639_1,
    name: (l) => l.english_name || l.name || l.iso_639_1,
  },

  PersonMovieCredits: {
    cast: (c) => [...(c.cast ?? [])].filter((m) => typeof m?.id === 'number').sort(newestFirst),
    crew: (c) => [...(c.crew ?? [])].filter((m) => typeof m?.id === 'number').sort(newestFirst),
  },

  PersonCastCredit: {
    movie: (m) => ({ id: String(m.id), list: m }),
    character: (m) => emptyToNull(m.character),
  },

  PersonCrewCredit: {
    movie: (m) => ({ id: String(m.id), list: m }),
    department: (m) => emptyToNull(m.department),
    job: (m) => emptyToNull(m.job),
  },

  CastMember: {
    person: (p) => ({ id: String(p.member.id), credit: p.member }),
    character: (p) => emptyToNull(p.member.character),
    order: (p) => p.member.order ?? 0,
  },

  Person: {
    __resolveReference: (ref) => ({ id: ref.id }),
    id: (p) => p.id,
    name: async (p, _a, ctx) => p.full?.name ?? p.credit?.name ?? (await person(p, ctx)).name,
    biography: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).biography),
    birthday: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).birthday),
    deathday: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).deathday),
    placeOfBirth: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).place_of_birth),
    knownForDepartment: async (p, _a, ctx) =>
      emptyToNull(p.full?.known_for_department ?? p.credit?.known_for_department ?? (await person(p, ctx)).known_for_department),
    movieCredits: async (p, _a, ctx) => ctx.tmdb.personCredits(checkId(p.id)).catch(upstream),
    profile: async (p, { size }, ctx) => {
      const path = p.credit?.profile_path !== undefined ? p.credit.profile_path : (await person(p, ctx)).profile_path;
      return image(ctx.imageBaseUrl, size, path);
    },
  },
};

const VIDEO_TYPES: Record<string, VideoType> = {
  Trailer: 'TRAILER',
  Teaser: 'TEASER',
  Clip: 'CLIP',
  Featurette: 'FEATURETTE',
  'Behind the Scenes': 'BEHIND_THE_SCENES',
  Bloopers: 'BLOOPERS',
};
function videoType(t: string | null | undefined): VideoType {
  return (t && VIDEO_TYPES[t]) || 'OTHER';
}

function videoUrl(site: string | null | undefined, key: string | null | undefined): string | null {
  if (!key || !/^[A-Za-z0-9_-]{1,64}$/.test(key)) return null;
  if (site === 'YouTube') return `https://www.youtube.com/watch?v=${key}`;
  if (site === 'Vimeo') return `https://vimeo.com/${key}`;
  return null;
}

function rank(type: number | null | undefined): number {
  return type === 3 ? 0 : type === 2 ? 1 : type === 4 ? 2 : 3;
}

function newestFirst(a: { release_date?: string | null }, b: { release_date?: string | null }): number {
  return (b.release_date ?? '').localeCompare(a.release_date ?? '');
}

/** Page 1 rides on the film's detail call; later pages have their own endpoint. */
async function related(ctx: MoviesContext, id: string, kind: 'recommendations' | 'similar', page: number) {
  if (page === 1) {
    const block = (await detail(ctx, id, [kind])).blocks[kind];
    return toPage(block ?? { page: 1, results: [], total_pages: 0, total_results: 0 });
  }
  return toPage(await ctx.tmdb.related(id, kind, page).catch(upstream));
}

const SORTS: Record<MovieSort, string> = {
  POPULARITY_DESC: 'popularity.desc',
  VOTE_AVERAGE_DESC: 'vote_average.desc',
  RELEASE_DATE_DESC: 'primary_release_date.desc',
  RELEASE_DATE_ASC: 'primary_release_date.asc',
  REVENUE_DESC: 'revenue.desc',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function discoverQuery(f: DiscoverFilter, sort: MovieSort): Record<string, string> {
  const q: Record<string, string> = { sort_by: SORTS[sort] };
  const ids = (list: readonly string[] | null | undefined, field: string) => {
    if (!list) return undefined;
    if (list.length > 20) throw userInputError(`filter.${field}: at most 20 ids.`, `filter.${field}`);
    list.forEach((id) => checkId(id, `filter.${field}`));
    return list.join(field === 'genreIds' ? ',' : '|');
  };
  const genres = ids(f.genreIds, 'genreIds');
  if (genres) q.with_genres = genres;
  const cast = ids(f.withCast, 'withCast');
  if (cast) q.with_cast = cast;
  const crew = ids(f.withCrew, 'withCrew');
  if (crew) q.with_crew = crew;
  for (const [field, key] of [
    ['releasedFrom', 'primary_release_date.gte'],
    ['releasedTo', 'primary_release_date.lte'],
  ] as const) {
    const v = f[field];
    if (v == null) continue;
    if (!ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) throw userInputError(`filter.${field} must be a date like 2001-12-31.`, `filter.${field}`);
    q[key] = v;
  }
  if (f.minVoteAverage != null) {
    if (f.minVoteAverage < 0 || f.minVoteAverage > 10) throw userInputError('filter.minVoteAverage must be from 0 to 10.', 'filter.minVoteAverage');
    q['vote_average.gte'] = String(f.minVoteAverage);
  }
  if (f.minVoteCount != null) {
    if (f.minVoteCount < 0) throw userInputError('filter.minVoteCount must not be negative.', 'filter.minVoteCount');
    q['vote_count.gte'] = String(f.minVoteCount);
  }
  if (f.originalLanguage != null) {
    if (!/^[a-z]{2}$/.test(f.originalLanguage))
      throw userInputError('filter.originalLanguage must be an ISO 639-1 code such as ja.', 'filter.originalLanguage');
    q.with_original_language = f.originalLanguage;
  }
  return q;
}

async function person(p: PersonParent, ctx: MoviesContext) {
  return p.full ?? ctx.personLoader.load(p.id).catch(upstream);
}
