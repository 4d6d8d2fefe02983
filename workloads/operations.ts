/**
 * The operations of the benchmark's workloads (W1 browse, W2 detail, W3 rating writes, the
 * scaling query, the OMDb calls count) and the catalogue they draw film ids from. Neutral ground: the benchmark
 * (bench/workloads.ts) builds its requests from these, and the tests check cost, result shaping
 * and the gateways' agreement on the same operations, without either importing the other.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The catalogue's film ids, most popular first (the order TMDB's popular pages use). */
export function catalogueIds(): string[] {
  const catalog = JSON.parse(readFileSync(path.join(ROOT, 'local', 'tmdb', 'catalog.json'), 'utf8')) as { movies: { id: number; popularity: number }[] };
  return [...catalog.movies].sort((a, b) => b.popularity - a.popularity).map((m) => String(m.id));
}

export const W1_QUERY = `query Browse {
  popularMovies(page: 1) {
    results { id title poster(size: W342) { url } genres { id name } tmdbRating { average voteCount } ratingSummary { average count } followerCount }
  }
}`;

export const W2_QUERY = `query Detail($id: ID!) {
  movie(id: $id) {
    id title
    cast(first: 10) { character person { id name } }
    directors { id name }
    trailers { name url }
    reviews(first: 5) { totalCount edges { node { score review } } }
    viewerRating { score }
    viewerIsFollowing
    recommendations { results { id title ratingSummary { average count } } }
  }
}`;

export const W3_MUTATION = `mutation Rate($input: RateMovieInput!) {
  rateMovie(input: $input) { rating { score } movie { id ratingSummary { average count } } }
}`;

/** One film's external ratings (OMDb behind the movies subgraph): bench/omdb-calls.ts counts the OMDb calls it costs. */
export const OMDB_QUERY = `query ExternalRatings($id: ID!) {
  movie(id: $id) { id externalRatings { source value score votes } }
}`;

/** The scaling query: W2's per-film fields for n films at once. */
export const SCALING_QUERY = `query Many($ids: [ID!]!) {
  movies(ids: $ids) { id title ratingSummary { average count } followerCount viewerRating { score } viewerIsFollowing }
}`;
