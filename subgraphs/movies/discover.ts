import { userInputError } from '../../platform/errors';
import { parseTmdbId } from '../../platform/ids';
import type { DiscoverFilter, MovieSort } from './generated/resolvers';
import { watchQuery } from './watch-filter';

/** `discoverMovies`' filter and sort as TMDB's /discover/movie parameters, each value checked. */

const SORTS: Record<MovieSort, string> = {
  POPULARITY_DESC: 'popularity.desc',
  VOTE_AVERAGE_DESC: 'vote_average.desc',
  RELEASE_DATE_DESC: 'primary_release_date.desc',
  RELEASE_DATE_ASC: 'primary_release_date.asc',
  REVENUE_DESC: 'revenue.desc',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function discoverQuery(f: DiscoverFilter, sort: MovieSort): Record<string, string> {
  const q: Record<string, string> = { sort_by: SORTS[sort] };
  const ids = (list: readonly string[] | null | undefined, field: string) => {
    if (!list) return undefined;
    if (list.length > 20) throw userInputError(`filter.${field}: at most 20 ids.`, `filter.${field}`);
    list.forEach((id) => parseTmdbId(id, `filter.${field}`));
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
  return { ...q, ...watchQuery(f) };
}
