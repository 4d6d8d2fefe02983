import type { FeedError } from '../generated/resolvers';
import { feedSchema, offerIdentity, type Feed } from './format';
import { FeedText, pathText } from './positions';

/** How much a feed may hold (FEED_MAX_BYTES is checked before the file is read). */
export interface FeedLimits {
  maxOffers: number;
}

/** At most this many problems are reported; a file with more is broken throughout. */
export const MAX_ERRORS = 100;

export type Validated = { ok: true; feed: Feed } | { ok: false; errors: FeedError[]; offerCount: number | null };

/**
 * A feed file checked in order: JSON syntax, the count limit, the v1 schema (regions, currencies,
 * prices ≥ 0), duplicate offers, then films TMDB does not know (`unknownMovies`, asked once per
 * distinct id, only for a file otherwise valid). Each problem names its line and path.
 */
export async function validateFeed(text: string, limits: FeedLimits, unknownMovies: (ids: string[]) => Promise<Set<string>>): Promise<Validated> {
  const doc = new FeedText(text);
  const syntax = doc.syntaxError();
  if (syntax) return { ok: false, errors: [{ line: syntax.line, path: null, message: syntax.message }], offerCount: null };
  const json: unknown = JSON.parse(text);
  const offers = (json as { offers?: unknown }).offers;
  const offerCount = Array.isArray(offers) ? offers.length : null;
  if (offerCount !== null && offerCount > limits.maxOffers) {
    return {
      ok: false,
      errors: [{ line: doc.lineOf(['offers']), path: 'offers', message: `${offerCount} offers; a feed holds at most ${limits.maxOffers}` }],
      offerCount,
    };
  }
  const at = (path: readonly PropertyKey[], message: string): FeedError => ({ line: doc.lineOf(path), path: pathText(path), message });

  const parsed = feedSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.slice(0, MAX_ERRORS).map((i) => at(i.path, i.message)), offerCount };
  }
  const feed = parsed.data;
  const errors: FeedError[] = [];
  const seen = new Map<string, number>();
  feed.offers.forEach((o, i) => {
    const first = seen.get(offerIdentity(o));
    if (first !== undefined) errors.push(at(['offers', i], `the same offer as offers[${first}] (film, region, type and quality)`));
    else seen.set(offerIdentity(o), i);
  });
  if (errors.length === 0) {
    const unknown = await unknownMovies([...new Set(feed.offers.map((o) => o.movieId))]);
    feed.offers.forEach((o, i) => {
      if (unknown.has(o.movieId)) errors.push(at(['offers', i, 'movieId'], `no film with TMDB id ${o.movieId}`));
    });
  }
  return errors.length ? { ok: false, errors: errors.slice(0, MAX_ERRORS), offerCount } : { ok: true, feed };
}
