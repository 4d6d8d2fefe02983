import { userInputError } from '../../platform/errors';
import type { RatingsContext } from './context';
import type { MovieRef } from './model';
import type { MovieResolvers } from './generated/resolvers';
import type { ScoresValue, SnapshotSource } from './history';
import { keys, toSummary, type StoredItem } from './store';

/**
 * The consensus of a film (docs/ratings.md, "Scores"), on 0–100:
 *
 *   critics  = mean of the Rotten Tomatoes Tomatometer and the Metascore present
 *   audience = IMDb's and TMDB's scores weighted by their votes (equal weights unless both say how many)
 *   users    = Marquee's average rating × 10, from n ratings
 *   consensus = Σ wᵢ·cᵢ / Σ wᵢ over the components present, with
 *               w(critics) = 0.4, w(audience) = 0.4, w(users) = 0.2 · n / (n + 10)
 *
 * so a handful of Marquee ratings moves the consensus a little, and fifty about as much as
 * their full weight allows. Every value is rounded to one decimal.
 */
export const WEIGHTS = { critics: 0.4, audience: 0.4, users: 0.2 } as const;
/** Marquee's users count half their weight at this many ratings. */
export const USERS_HALF_WEIGHT_AT = 10;

const CRITICS = new Set(['ROTTEN_TOMATOES', 'METACRITIC']);
const AUDIENCE = new Set(['IMDB', 'TMDB']);

const round = (n: number) => Math.round(n * 10) / 10;

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Weighted by votes when every source says how many; otherwise a plain mean (no source is dropped for lacking a count). */
function voteWeighted(xs: SnapshotSource[]): number | null {
  const votes = xs.map((x) => (typeof x.votes === 'number' && x.votes > 0 ? x.votes : null));
  if (xs.length === 0 || votes.some((v) => v === null)) return mean(xs.map((x) => x.score));
  const total = votes.reduce((a, v) => a! + v!, 0)!;
  return xs.reduce((a, x, i) => a + x.score * votes[i]!, 0) / total;
}

/** The scores of a film from its outside ratings and Marquee's summary (average 0.5–10, or null). */
export function computeScores(external: readonly SnapshotSource[] | null | undefined, users: { average: number | null; count: number }): ScoresValue {
  const sources = (external ?? []).filter((s) => Number.isFinite(s.score) && s.score >= 0 && s.score <= 100);
  const critics = mean(sources.filter((s) => CRITICS.has(s.source)).map((s) => s.score));
  const audience = voteWeighted(sources.filter((s) => AUDIENCE.has(s.source)));
  const own = users.count > 0 && users.average !== null ? users.average * 10 : null;
  const parts: [number, number][] = [];
  if (critics !== null) parts.push([critics, WEIGHTS.critics]);
  if (audience !== null) parts.push([audience, WEIGHTS.audience]);
  if (own !== null) parts.push([own, (WEIGHTS.users * users.count) / (users.count + USERS_HALF_WEIGHT_AT)]);
  const total = parts.reduce((a, [, w]) => a + w, 0);
  const consensus = total > 0 ? parts.reduce((a, [c, w]) => a + c * w, 0) / total : null;
  const r = (n: number | null) => (n === null ? null : round(n));
  return { consensus: r(consensus), critics: r(critics), audience: r(audience), users: r(own) };
}

/** Marquee users' average (0.5–10, null when nobody rated) and count, from a film's summary item. */
export function usersFromSummary(movieId: string, item: StoredItem | null): { average: number | null; count: number } {
  const s = toSummary(movieId, item);
  return { average: s.count > 0 ? s.sumHalves / 2 / s.count : null, count: s.count };
}

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `Movie.scores` (with the outside ratings the gateway fetched from movies, @requires) and
 * `Movie.scoreHistory`: a resolver fragment, spread into the ratings resolver map.
 */
export const scoresResolvers = {
  Movie: {
    scores: async (movie, _args, ctx) => computeScores(movie.externalRatings, usersFromSummary(movie.id, await ctx.items.load(keys.summary(movie.id)))),
    scoreHistory: async (movie, { days }, ctx) => {
      const n = days ?? 30;
      if (!Number.isInteger(n) || n < 1 || n > 365) throw userInputError('days must be from 1 to 365.', 'days');
      const now = Date.now();
      const items = await ctx.history.range(movie.id, day(now - (n - 1) * DAY_MS), day(now));
      return items.map((s) => ({ date: s.date, scores: s.scores, sources: s.sources }));
    },
  },
} satisfies { Movie: Pick<MovieResolvers<RatingsContext, MovieRef>, 'scores' | 'scoreHistory'> };
