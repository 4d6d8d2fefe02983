import { userInputError } from '../../platform/errors';

export const MAX_REVIEW_LENGTH = 2000;

/** Scores are 0.5 to 10 in steps of 0.5 (TMDB's scale); stored as whole half-points. */
export function parseScore(score: number): number {
  const halves = score * 2;
  if (!Number.isFinite(score) || !Number.isInteger(halves) || halves < 1 || halves > 20) {
    throw userInputError('score must be from 0.5 to 10 in steps of 0.5.', 'input.score');
  }
  return halves;
}

// Control characters other than tab and newlines have no place in a review and can corrupt logs and UIs.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export function parseReview(review: string | null | undefined): string | undefined {
  if (review === null || review === undefined) return undefined;
  const trimmed = review.trim();
  if (trimmed.length === 0) return undefined;
  if ([...trimmed].length > MAX_REVIEW_LENGTH) {
    throw userInputError(`review must be at most ${MAX_REVIEW_LENGTH} characters.`, 'input.review');
  }
  if (CONTROL.test(trimmed)) throw userInputError('review must not contain control characters.', 'input.review');
  return trimmed;
}
