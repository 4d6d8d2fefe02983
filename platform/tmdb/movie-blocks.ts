import type { MovieBlock, TmdbMovieBlocks, TmdbMovieDetail } from './types';

/** A film's detail and the appended blocks asked for (cached apart, one cache entry each). */
export interface MovieWithBlocks {
  detail: TmdbMovieDetail;
  blocks: TmdbMovieBlocks;
}

/** The detail without its appended blocks, as it is cached. */
export function detailOnly(d: TmdbMovieDetail & Record<string, unknown>): TmdbMovieDetail {
  const { credits: _c, videos: _v, release_dates: _r, recommendations: _rec, similar: _s, images: _i, ...rest } = d;
  return rest;
}

export function assemble(detail: TmdbMovieDetail, blocks: ReadonlyArray<readonly [MovieBlock, unknown]>): MovieWithBlocks {
  const out: TmdbMovieBlocks = {};
  for (const [b, v] of blocks) (out as Record<string, unknown>)[b] = v;
  return { detail, blocks: out };
}
