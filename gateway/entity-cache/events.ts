import type { DomainEvent } from '../../platform/events/types';
import { dependency, type Dependency } from './tags';

/** The `@cacheTag` every Movie carries by default, in Apollo's format, so operators can invalidate by tag. */
export const MOVIE_CACHE_TAG_FORMAT = 'movie-{$key.id}';

/**
 * What a write to one film makes stale: the Movie entity (all its cached subgraph parts, in every
 * subgraph: a rating changes `ratingSummary` and `scores`, a follow `followerCount`) and its tag.
 */
export function movieDependencies(movieId: string): Dependency[] {
  return [dependency.entity('Movie', { id: movieId }), dependency.tag(`movie-${movieId}`)];
}

/**
 * A domain event's invalidation (a rating's or a follow's: each changes only its film), with the
 * commit time its lag is measured from.
 */
export function invalidationOfEvent(event: DomainEvent): { deps: Dependency[]; committedAt: number } {
  const committedAt = Date.parse(event.occurredAt);
  return { deps: movieDependencies(event.movieId), committedAt: Number.isNaN(committedAt) ? Date.now() : committedAt };
}
