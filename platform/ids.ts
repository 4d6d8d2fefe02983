/**
 * Public ids that more than one subgraph builds. A Rating's id names its film and user, so the
 * notifications subgraph can point at a rating that the ratings subgraph resolves.
 */
export function ratingId(movieId: string, userId: string): string {
  return Buffer.from(`${movieId}:${userId}`).toString('base64url');
}

export function parseRatingId(id: string): { movieId: string; userId: string } | null {
  const raw = Buffer.from(id, 'base64url').toString('utf8');
  const m = /^([1-9]\d{0,9}):(.{1,128})$/.exec(raw);
  return m ? { movieId: m[1], userId: m[2] } : null;
}

export function notificationId(eventId: string): string {
  return Buffer.from(eventId).toString('base64url');
}

export function parseNotificationId(id: string): string | null {
  const raw = Buffer.from(id, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z~[0-9a-f]{16}$/.test(raw) ? raw : null;
}

/** A TMDB id as Marquee accepts one: a positive integer of at most ten digits, no leading zero. */
export function isTmdbId(id: string): boolean {
  return /^[1-9]\d{0,9}$/.test(id);
}
