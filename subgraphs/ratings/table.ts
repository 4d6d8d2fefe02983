import type { TableSpec } from '../../platform/dynamodb-tables';

/**
 * Ratings table (see docs/ratings.md):
 * - rating   pk=MOVIE#<movieId> sk=RATING#<userId>; byUser: USER#<userId> / <updatedAt>#<movieId>;
 *            reviews (sparse, only with a review): MOVIE#<movieId> / <createdAt>#<userId>
 * - summary  pk=MOVIE#<movieId> sk=SUMMARY  (count, sumHalves, h1..h20 histogram in half-points)
 */
export const ratingsTable: TableSpec = {
  defaultName: 'marquee-ratings',
  indexes: ['byUser', 'reviews', 'reviewsByScore'],
};
