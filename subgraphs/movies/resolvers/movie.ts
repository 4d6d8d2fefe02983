import { userInputError } from '../../../platform/errors';
import type { MovieResolvers } from '../generated/resolvers';
import { certificationRank, emptyToNull, image, positiveOrNull, toGenre, videoType } from '../mapping';
import type { PersonParent } from '../model';
import { detail, listOrDetail, related, upstream } from '../reads';
import { checkPage } from '../validation';
import { externalRatingsResolvers } from '../external-ratings';

/**
 * A film. List fields come from the list item the film arrived with when there is one; the rest
 * from its detail call, with the blocks (credits, videos, …) the field needs appended.
 */
export const Movie: MovieResolvers = {
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
    return (d.detail.genres ?? []).map(toGenre);
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
    const ranked = [...dates].filter((d) => d.certification).sort((a, b) => certificationRank(a.type) - certificationRank(b.type));
    return ranked[0]?.certification ?? null;
  },
  collection: async (p, _a, ctx) => (await detail(ctx, p.id)).detail.belongs_to_collection ?? null,
  productionCompanies: async (p, _a, ctx) => ((await detail(ctx, p.id)).detail.production_companies ?? []).filter((c) => c?.name),
  spokenLanguages: async (p, _a, ctx) => ((await detail(ctx, p.id)).detail.spoken_languages ?? []).filter((l) => l?.iso_639_1),
};
