import type { Cache } from '../../platform/cache';
import { TmdbError } from '../../platform/tmdb/errors';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { WatchOptionItem } from './model';
import type { FilmOffers, OffersStore } from './offers';
import { feedProviderId } from './table';
import { tmdbOptions } from './tmdb-options';

/** The cache entry of a film's feed offers; the feed processor deletes it when a feed changes the film. */
export const offersCacheKey = (movieId: string) => `avail:v1:offers:${movieId}`;

export interface WatchOptionsDeps {
  offers: OffersStore;
  tmdb: TmdbClient;
  cache: Cache;
  /** 0 when the cache is this process's memory: the processor, another process, could not invalidate it. */
  offersCacheSeconds: number;
}

/** A film's feed offers, cached (shared Redis only). */
export async function feedOffers(deps: WatchOptionsDeps, movieId: string): Promise<FilmOffers[]> {
  if (deps.offersCacheSeconds > 0) {
    const [hit] = await deps.cache.getMany([offersCacheKey(movieId)]);
    if (hit) return JSON.parse(hit) as FilmOffers[];
  }
  const offers = await deps.offers.forMovie(movieId);
  if (deps.offersCacheSeconds > 0)
    await deps.cache.setMany([{ key: offersCacheKey(movieId), value: JSON.stringify(offers), ttlSeconds: deps.offersCacheSeconds }]);
  return offers;
}

export function feedOptions(films: FilmOffers[], region: string): WatchOptionItem[] {
  return films.flatMap((f) =>
    f.offers
      .filter((o) => o.region === region)
      .map((o): WatchOptionItem => ({
        provider: { id: feedProviderId(f.partnerId), name: f.name, logo: f.logo },
        type: o.type,
        price: o.price !== undefined && o.currency ? { amount: o.price, currency: o.currency } : null,
        quality: o.quality ?? null,
        link: o.link ?? null,
        source: 'PROVIDER_FEED',
        attribution: null,
        updatedAt: f.appliedAt,
      })),
  );
}

/**
 * Movie.watchOptions: the providers' own offers first (they carry prices), then TMDB's. A film
 * TMDB has no watch data for is an empty list, not an error; TMDB failing is an error only
 * when there are no feed offers to show either.
 */
export async function watchOptions(deps: WatchOptionsDeps, movieId: string, region: string): Promise<WatchOptionItem[]> {
  const fromTmdb = deps.tmdb.watchProviders(movieId).then(
    (answer) => answer,
    (err: unknown) => {
      if (err instanceof TmdbError) return err;
      throw err;
    },
  );
  const [films, tmdb] = await Promise.all([feedOffers(deps, movieId), fromTmdb]);
  const fromFeeds = feedOptions(films, region);
  if (!(tmdb instanceof TmdbError)) return [...fromFeeds, ...tmdbOptions(tmdb.results?.[region])];
  if (tmdb.kind === 'not_found' || fromFeeds.length > 0) return fromFeeds;
  throw tmdb.toGraphQLError();
}
