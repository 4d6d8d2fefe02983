import { userInputError } from '../../platform/errors';

/** Most ids `movies(ids:)` takes in one call. */
export const MAX_IDS = 100;

export function checkPage(page: number): number {
  if (!Number.isInteger(page) || page < 1 || page > 500) throw userInputError('page must be an integer from 1 to 500.', 'page');
  return page;
}

/** A search text, trimmed. */
export function checkQuery(query: string): string {
  const q = query.trim();
  if (q.length < 1 || q.length > 200) throw userInputError('query must be 1 to 200 characters.', 'query');
  return q;
}
