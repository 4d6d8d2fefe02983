import type { TableSpec } from '../../platform/dynamodb-tables';

/**
 * Score history (see docs/ratings.md): one item per film per UTC day, written by the daily
 * snapshot task (snapshot.ts), read by `Movie.scoreHistory`.
 * - snapshot  pk=MOVIE#<movieId> sk=DAY#<YYYY-MM-DD>  (sources, scores, takenAt), expiresAt TTL
 */
export const scoreHistoryTable: TableSpec = {
  defaultName: 'marquee-score-history',
  indexes: [],
  ttlAttribute: 'expiresAt',
};
