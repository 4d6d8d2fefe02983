import type { MovieWithBlocks } from '../../platform/tmdb/client';
import { TmdbError } from '../../platform/tmdb/errors';
import type { MovieBlock, TmdbMovieListItem, TmdbPerson } from '../../platform/tmdb/types';
import type { MoviesContext } from './context';
import { toPage } from './mapping';
import type { MovieParent, MoviePageParent, PersonParent } from './model';

/** How resolvers read TMDB: through the request's loaders, so each film and person costs one call. */

/** TmdbErrors become coded GraphQL errors; anything else stays an internal error. */
export function upstream(err: unknown): never {
  throw err instanceof TmdbError ? err.toGraphQLError() : err;
}

export async function detail(ctx: MoviesContext, id: string, blocks: MovieBlock[] = []): Promise<MovieWithBlocks> {
  return ctx.movieLoader.load({ id, blocks }).catch(upstream);
}

/** A field available in list items is read from there; otherwise from the detail call. */
export async function listOrDetail<K extends keyof TmdbMovieListItem>(parent: MovieParent, ctx: MoviesContext, key: K) {
  if (parent.list && parent.list[key] !== undefined) return parent.list[key];
  const d = await detail(ctx, parent.id);
  return (d.detail as TmdbMovieListItem)[key];
}

/** The person's full record: the one the parent carries, else one loader call. */
export async function person(p: PersonParent, ctx: MoviesContext): Promise<TmdbPerson> {
  return p.full ?? ctx.personLoader.load(p.id).catch(upstream);
}

/** Page 1 rides on the film's detail call; later pages have their own endpoint. */
export async function related(ctx: MoviesContext, id: string, kind: 'recommendations' | 'similar', page: number): Promise<MoviePageParent> {
  if (page === 1) {
    const block = (await detail(ctx, id, [kind])).blocks[kind];
    return toPage(block ?? { page: 1, results: [], total_pages: 0, total_results: 0 });
  }
  return toPage(await ctx.tmdb.related(id, kind, page).catch(upstream));
}
