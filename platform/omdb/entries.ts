import type { OmdbRatings, SourceRating } from './types';

/** One entry of `Movie.externalRatings`. */
export interface ExternalRatingEntry extends SourceRating {
  /** The film's page at the source, when we can name it (IMDb, TMDB). */
  url: string | null;
}

/** TMDB's vote as a source rating: `8.4/10`, score 84.4; none without votes. */
export function tmdbRating(movieId: string, voteAverage: number | null | undefined, voteCount: number | null | undefined): ExternalRatingEntry | null {
  if (typeof voteAverage !== 'number' || !Number.isFinite(voteAverage) || !voteCount || voteCount <= 0) return null;
  const average = Math.min(10, Math.max(0, voteAverage));
  return {
    source: 'TMDB',
    value: `${average.toFixed(1)}/10`,
    score: Math.round(average * 100) / 10,
    votes: voteCount,
    url: `https://www.themoviedb.org/movie/${movieId}`,
  };
}

/**
 * A film's external ratings in a fixed order: IMDb, Rotten Tomatoes, Metacritic (from OMDb, each
 * only when OMDb has a value), then TMDB.
 */
export function externalRatingEntries(tmdb: ExternalRatingEntry | null, omdb: OmdbRatings | null): ExternalRatingEntry[] {
  const out: ExternalRatingEntry[] = (omdb?.ratings ?? []).map((r) => ({
    ...r,
    url: r.source === 'IMDB' ? `https://www.imdb.com/title/${omdb!.imdbId}/` : null,
  }));
  if (tmdb) out.push(tmdb);
  return out;
}
