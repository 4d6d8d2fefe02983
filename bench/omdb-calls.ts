/**
 * Issue #21's budget figure: OMDb calls per distinct film within one cache TTL, which should be 1.
 *
 * Every connection asks for the same films in the same order (`movie(id) { externalRatings }`),
 * so the first requests for a film arrive together from 20 connections (the client's coalescing
 * is what keeps those to one call) and every later request finds the shared Redis cache (the
 * run lasts seconds, far inside OMDB_CACHE_TTL_SECONDS). The calls are counted where they land:
 * the local OMDb stand-in's request log (local/omdb/server.ts), not the client's own metrics.
 */
import Redis from 'ioredis';
import type { Stack } from '../local/stack';
import { OMDB_QUERY } from '../workloads/operations';
import { load, round } from './measure';
import type { Workload } from './workloads';

export interface OmdbCallsResult {
  /** Distinct films the workload asked for. */
  films: number;
  /** GraphQL requests answered, and how many were not clean results. */
  requests: number;
  errors: number;
  /** HTTP requests that reached the OMDb stand-in, and for how many distinct IMDb ids. */
  omdbCalls: number;
  filmsLookedUp: number;
  /** omdbCalls / filmsLookedUp: the figure (1 = each film fetched once). */
  callsPerFilm: number;
  /** The most calls any one film cost. */
  maxCallsForOneFilm: number;
  ttlSeconds: number;
  seconds: number;
}

export interface OmdbCallsOptions {
  redisUrl: string;
  ids: string[];
  connections: number;
  seconds: number;
  token: (user: string) => string;
}

/**
 * Films per run: each signed-in connection may cause up to OMDB_CALLER_DAILY_LIMIT (100) OMDb
 * calls a day, and the films are spread over the connections that ask first; 80 stays below it.
 */
const FILMS = 80;

/** Runs against the stack's own gateway, from an empty cache (FLUSHALL: also the OMDb quota counters). */
export async function measureOmdbCalls(stack: Stack, opts: OmdbCallsOptions): Promise<OmdbCallsResult> {
  const omdb = stack.omdb;
  if (!omdb) throw new Error('the OMDb figure needs the local OMDb stand-in: unset OMDB_API_KEY');
  const films = opts.ids.slice(0, FILMS);
  const body = (id: string) => JSON.stringify({ operationName: 'ExternalRatings', query: OMDB_QUERY, variables: { id } });
  const workload: Workload = {
    id: 'omdb',
    name: 'OMDb external ratings',
    auth: true,
    mutation: false,
    // The same order on every connection: the n-th request of each asks for the same film.
    body: (_c, n) => body(films[n % films.length]),
    user: (c) => `bench-viewer-${c}`,
    prime: () => [],
  };
  const redis = new Redis(opts.redisUrl);
  await redis.flushall();
  redis.disconnect();
  omdb.resetLog();
  const r = await load({ url: stack.gatewayUrl, workload, connections: opts.connections, seconds: opts.seconds, token: opts.token });
  const perFilm = new Map<string, number>();
  for (const q of omdb.requests) if (q.imdbId) perFilm.set(q.imdbId, (perFilm.get(q.imdbId) ?? 0) + 1);
  const filmsLookedUp = perFilm.size;
  return {
    films: films.length,
    requests: r.requests,
    errors: r.errors,
    omdbCalls: omdb.requests.length,
    filmsLookedUp,
    callsPerFilm: filmsLookedUp ? round(omdb.requests.length / filmsLookedUp, 3) : 0,
    maxCallsForOneFilm: Math.max(0, ...perFilm.values()),
    ttlSeconds: Number(stack.env.OMDB_CACHE_TTL_SECONDS ?? 24 * 3600),
    seconds: r.seconds,
  };
}

/** The line the bench prints. */
export function omdbCallsLine(m: OmdbCallsResult): string {
  return (
    `\nOMDb calls per distinct film within one TTL (${m.ttlSeconds} s): ${m.callsPerFilm} — ${m.omdbCalls} calls for ${m.filmsLookedUp} films ` +
    `looked up (of ${m.films} asked for), most for one film ${m.maxCallsForOneFilm}, over ${m.requests} requests in ${m.seconds} s, ${m.errors} errors`
  );
}
