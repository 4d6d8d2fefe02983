import type { TableSpec } from '../../platform/dynamodb-tables';

/**
 * Availability table (see docs/availability.md):
 * - upload   pk=PROVIDER#<partnerId> sk=UPLOAD#<uploadId> (uploadIds sort by time: newest last)
 * - pointer  pk=FEEDS sk=<partnerId>: the feed version in force, its provider's name and logo,
 *            the films it covers and its content hash. Swapping it is what applies a feed.
 * - offers   pk=MOVIE#<movieId> sk=FEED#<partnerId>#<version>: one film's offers in one feed
 *            version. Readers use only the version its pointer names, so a half-written version
 *            is never seen and an old one is invisible before it is deleted.
 */
export const availabilityTable: TableSpec = {
  defaultName: 'marquee-availability',
  indexes: [],
};

export const keys = {
  upload: (partnerId: string, uploadId: string) => ({ pk: `PROVIDER#${partnerId}`, sk: `UPLOAD#${uploadId}` }),
  pointer: (partnerId: string) => ({ pk: 'FEEDS', sk: partnerId }),
  offers: (movieId: string, partnerId: string, version: string) => ({ pk: `MOVIE#${movieId}`, sk: `FEED#${partnerId}#${version}` }),
};

/** A feed's provider id in the schema (`WatchProvider.id`): the partner's own namespace, never a TMDB id. */
export const feedProviderId = (partnerId: string) => `feed:${partnerId}`;
