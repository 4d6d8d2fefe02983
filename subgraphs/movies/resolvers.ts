import { userInputError } from '../../platform/errors';
import type { MoviesContext } from './context';
import type { MovieParent, MoviePageParent, PersonParent } from './model';
import type { Resolvers, PosterSize, BackdropSize, ProfileSize } from './generated/resolvers';
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
    movie: async (_p, { id }, ctx) => {
      checkId(id);
      await detail(ctx, id);
      return { id };
    },
    movies: async (_p, { ids }, ctx) => {
      if (ids.length > MAX_IDS) throw userInputError(`ids: at most ${MAX_IDS} ids per call.`, 'ids');
      ids.forEach((id) => checkId(id, 'ids'));
      const found = await Promise.all(
        ids.map((id) =>
          ctx.movieLoader.load({ id, blocks: [] }).then(
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
    profile: async (p, { size }, ctx) => {
      const path = p.credit?.profile_path !== undefined ? p.credit.profile_path : (await person(p, ctx)).profile_path;
      return image(ctx.imageBaseUrl, size, path);
    },
  },
};

async function person(p: PersonParent, ctx: MoviesContext) {
  return p.full ?? ctx.personLoader.load(p.id).catch(upstream);
}
