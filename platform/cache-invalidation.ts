/**
 * What writers and the gateways agree on to invalidate the gateways' entity cache (issue #19,
 * docs/gateway.md): the generation counters' keys, the names of what an entry depends on, the
 * pub/sub message that tells every replica, and what a domain event makes stale. Here, not in
 * gateway/, because the notifications relay bumps generations for every rating and follow.
 */
import type Redis from 'ioredis';
import type { DomainEvent } from './events/types';

/** A generation counter an entry depends on; the Redis key is `PREFIX + Dependency`. */
export type Dependency = string;

export const GENERATION_PREFIX = 'marquee:ecache:gen:';

/** An entity key as the subgraph sees it in a representation, without `__typename`. */
export type EntityKey = Record<string, unknown>;

/** JSON with sorted object keys: `{id, region}` and `{region, id}` are the same entity. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const dependency = {
  subgraph: (subgraph: string): Dependency => `s:${subgraph}`,
  type: (subgraph: string, type: string): Dependency => `t:${subgraph}:${type}`,
  // Not per subgraph: a rating event changes Movie:550 wherever its fields are cached.
  entity: (type: string, key: EntityKey): Dependency => `e:${type}:${stableJson(key)}`,
  tag: (tag: string): Dependency => `g:${tag}`,
};

export const INVALIDATION_CHANNEL = 'marquee:ecache:invalidate';

/** What a replica hears when any replica (or the relay) bumps generations. */
export interface InvalidationMessage {
  deps: Dependency[];
  /** When the write that caused it committed (ms since the epoch), for the commit-to-invalidation lag. */
  committedAt?: number;
  /** Who asked: the relay for a domain event, or an operator through the gateway's endpoint. */
  source?: InvalidationSource;
}

export type InvalidationSource = 'event' | 'operator';

/**
 * Bumps every dependency's generation, then tells every gateway replica (and, with the commit
 * time, lets them measure the lag). For any process with a Redis client: the relay uses it alone.
 */
export async function publishInvalidation(redis: Redis, deps: readonly Dependency[], committedAt?: number, source?: InvalidationSource): Promise<void> {
  if (deps.length === 0) return;
  const pipeline = redis.multi();
  for (const dep of deps) pipeline.incr(GENERATION_PREFIX + dep);
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err)?.[0];
  if (failed) throw failed;
  const message: InvalidationMessage = { deps: [...deps], ...(committedAt === undefined ? {} : { committedAt }), ...(source ? { source } : {}) };
  await redis.publish(INVALIDATION_CHANNEL, JSON.stringify(message));
}

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
