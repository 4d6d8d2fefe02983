/** A film or user known only by id: other subgraphs own the rest of their fields. */
export interface MovieRef {
  id: string;
  /** From the movies subgraph, when an operation selects `scores` (@requires); null when it failed. */
  externalRatings?: { source: 'IMDB' | 'ROTTEN_TOMATOES' | 'METACRITIC' | 'TMDB'; score: number; votes: number | null }[] | null;
}
export interface UserRef {
  id: string;
}

/** A rating as stored (see table.ts for keys). Scores are kept in half-points to sum exactly. */
export interface RatingItem {
  movieId: string;
  userId: string;
  scoreHalves: number;
  review?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface SummaryItem {
  movieId: string;
  count: number;
  sumHalves: number;
  /** How many of the ratings have a review. */
  reviewCount: number;
  /** histogram[i] counts ratings of (i + 1) half-points, i.e. score (i + 1) / 2. */
  histogram: number[];
}

export const emptySummary = (movieId: string): SummaryItem => ({
  movieId,
  count: 0,
  sumHalves: 0,
  reviewCount: 0,
  histogram: Array.from({ length: 20 }, () => 0),
});
