import { isTmdbId } from '../ids';
import type { TmdbClient } from './client';
import { TmdbError } from './errors';

/**
 * Whether TMDB knows a film. Ratings and follows check this before writing, through the same
 * cached client as the movies subgraph, so a known film usually costs one Redis read.
 */
export async function movieExists(tmdb: TmdbClient, id: string): Promise<boolean> {
  if (!isTmdbId(id)) return false;
  const [result] = await tmdb.movies([{ id, blocks: [] }]);
  if (result instanceof TmdbError) {
    if (result.kind === 'not_found') return false;
    throw result.toGraphQLError();
  }
  return true;
}
