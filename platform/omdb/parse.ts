import { OmdbError } from './errors';
import type { OmdbBody, OmdbRatings, SourceRating } from './types';

/**
 * OMDb speaks in strings: `"8.8/10"`, `"79%"`, `"66/100"`, `"2,345,678"`, and `"N/A"` for what it
 * does not know. These functions turn them into numbers or null, never into a zero that was not
 * there, and read OMDb's errors by what they mean rather than by their exact wording.
 */

const MISSING = /^(n\/?a|none|null|-+)?$/i;

/**
 * A rating on a 0–100 scale: `"8.8/10"` → 88, `"79%"` → 79, `"66/100"` → 66. A bare number is
 * read on `bareScale` (10 for `imdbRating`, 100 for `Metascore`). Null for `N/A`, empty, or
 * anything outside the scale.
 */
export function parseScore(text: string | null | undefined, bareScale?: number): number | null {
  const t = (text ?? '').trim();
  if (MISSING.test(t)) return null;
  let score: number;
  const fraction = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(t);
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (fraction) {
    const of = Number(fraction[2]);
    if (!(of > 0)) return null;
    score = (Number(fraction[1]) / of) * 100;
  } else if (percent) {
    score = Number(percent[1]);
  } else if (/^\d+(?:\.\d+)?$/.test(t) && bareScale) {
    score = (Number(t) / bareScale) * 100;
  } else {
    return null;
  }
  if (!Number.isFinite(score) || score < 0 || score > 100) return null;
  return Math.round(score * 10) / 10;
}

/** `"2,345,678"` → 2345678; null for `N/A` or anything that is not a count. */
export function parseVotes(text: string | null | undefined): number | null {
  const t = (text ?? '').trim();
  if (MISSING.test(t) || !/^\d{1,3}(?:[,.\s]?\d{3})*$/.test(t)) return null;
  const n = Number(t.replace(/[,.\s]/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/** OMDb's names of its sources (`Ratings[].Source`), matched loosely. */
function sourceOf(name: string | undefined): 'IMDB' | 'ROTTEN_TOMATOES' | 'METACRITIC' | null {
  const n = (name ?? '').toLowerCase();
  if (n.includes('internet movie database') || n.includes('imdb')) return 'IMDB';
  if (n.includes('rotten tomatoes')) return 'ROTTEN_TOMATOES';
  if (n.includes('metacritic')) return 'METACRITIC';
  return null;
}

/**
 * The error an OMDb answer means: `{"Response":"False","Error":"..."}` (HTTP 200, sometimes 401),
 * or an HTTP failure. By meaning: any mention of a limit is the quota, of a key is our
 * credentials, "not found"/"incorrect IMDb ID" is a missing title; other statuses by class.
 */
export function classifyOmdbError(status: number, message: string | undefined, resetsAt?: Date): OmdbError {
  const m = (message ?? '').trim();
  const text = m || `OMDb answered ${status}`;
  if (/limit/i.test(m)) return new OmdbError('quota', "Today's OMDb requests are used up; external ratings return when the quota resets.", false, resetsAt);
  if (/api ?key|unauthori[sz]ed|not authori[sz]ed/i.test(m) || (status === 401 && !m)) return new OmdbError('auth', text);
  if (/not found|incorrect imdb id|no (movie|title)/i.test(m) || status === 404) return new OmdbError('not_found', text);
  if (status === 401) return new OmdbError('auth', text);
  if (status === 429 || status >= 500) return new OmdbError('unavailable', text, true);
  // An error OMDb has not told us about ("Error getting data."): not retried, a stale copy serves.
  return new OmdbError('unavailable', text);
}

/** A successful OMDb answer, or the error its body says it is. */
export function parseOmdbBody(body: OmdbBody, imdbId: string, status = 200, resetsAt?: Date): OmdbRatings | OmdbError {
  if (String(body.Response).toLowerCase() !== 'true') return classifyOmdbError(status, typeof body.Error === 'string' ? body.Error : undefined, resetsAt);
  const listed = new Map<string, string>();
  for (const r of Array.isArray(body.Ratings) ? body.Ratings : []) {
    const source = sourceOf(r?.Source);
    if (source && typeof r.Value === 'string' && !listed.has(source)) listed.set(source, r.Value.trim());
  }
  const ratings: SourceRating[] = [];
  // IMDb: the Ratings entry, else imdbRating (the same number without "/10").
  const imdbValue = listed.get('IMDB') ?? (parseScore(body.imdbRating, 10) !== null ? `${String(body.imdbRating).trim()}/10` : undefined);
  const imdbScore = parseScore(imdbValue, 10);
  if (imdbValue && imdbScore !== null) ratings.push({ source: 'IMDB', value: imdbValue, score: imdbScore, votes: parseVotes(body.imdbVotes) });
  const tomatoes = listed.get('ROTTEN_TOMATOES');
  const tomatoScore = parseScore(tomatoes);
  if (tomatoes && tomatoScore !== null) ratings.push({ source: 'ROTTEN_TOMATOES', value: tomatoes, score: tomatoScore, votes: null });
  // Metacritic: the Ratings entry, else Metascore (the same number without "/100").
  const metaValue = listed.get('METACRITIC') ?? (parseScore(body.Metascore, 100) !== null ? `${String(body.Metascore).trim()}/100` : undefined);
  const metaScore = parseScore(metaValue, 100);
  if (metaValue && metaScore !== null) ratings.push({ source: 'METACRITIC', value: metaValue, score: metaScore, votes: null });
  const title = typeof body.Title === 'string' && !MISSING.test(body.Title.trim()) ? body.Title.trim() : null;
  return { imdbId: typeof body.imdbID === 'string' && body.imdbID ? body.imdbID : imdbId, title, ratings };
}

/** What an IMDb id looks like: `tt` and 7 or more digits. */
export const IMDB_ID = /^tt\d{7,10}$/;
