import { userInputError } from './errors';

/** A TMDB id as the API takes it: a positive integer of at most ten digits, no leading zero. */
const TMDB_ID_PATTERN = '[1-9]\\d{0,9}';
const TMDB_ID = new RegExp(`^${TMDB_ID_PATTERN}$`);
const RATING_ID = new RegExp(`^(${TMDB_ID_PATTERN}):(.{1,128})$`);

export function isTmdbId(id: string): boolean {
  return TMDB_ID.test(id);
}

/** The id itself when it is a TMDB id; else a BAD_USER_INPUT naming `field`. */
export function parseTmdbId(id: string, field = 'id'): string {
  if (!isTmdbId(id)) throw userInputError(`${field} must be a TMDB id (a positive integer).`, field);
  return id;
}

/**
 * Public ids that more than one subgraph builds. A Rating's id names its film and user, so the
 * notifications subgraph can point at a rating that the ratings subgraph resolves.
 */
export function ratingId(movieId: string, userId: string): string {
  return Buffer.from(`${movieId}:${userId}`).toString('base64url');
}

export function parseRatingId(id: string): { movieId: string; userId: string } | null {
  const raw = Buffer.from(id, 'base64url').toString('utf8');
  const m = RATING_ID.exec(raw);
  return m ? { movieId: m[1], userId: m[2] } : null;
}

export function notificationId(eventId: string): string {
  return Buffer.from(eventId).toString('base64url');
}

export function parseNotificationId(id: string): string | null {
  const raw = Buffer.from(id, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z~[0-9a-f]{16}$/.test(raw) ? raw : null;
}
