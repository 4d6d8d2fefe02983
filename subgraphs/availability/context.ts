import type { S3Client } from '@aws-sdk/client-s3';
import type { RequestScope } from '../../platform/kit';
import type { TmdbClient } from '../../platform/tmdb/client';
import type { OffersStore } from './offers';
import type { UploadsStore } from './uploads';
import type { WatchOptionsDeps } from './watch-options';

/** What the availability subgraph builds once per process and hands to every request. */
export interface AvailabilityDeps extends WatchOptionsDeps {
  offers: OffersStore;
  uploads: UploadsStore;
  tmdb: TmdbClient;
  /** Signs upload URLs (pointing at S3_PUBLIC_ENDPOINT when set). */
  presigner: S3Client;
  /** Reads the bucket: whether an awaited file has arrived (RECEIVED). */
  s3: S3Client;
  bucket: string;
  uploadUrlSeconds: number;
  /** Signs pagination cursors. */
  cursorSecret: string;
}

export interface AvailabilityContext extends RequestScope, AvailabilityDeps {}

export function createAvailabilityContext(request: RequestScope, deps: AvailabilityDeps): AvailabilityContext {
  return { ...request, ...deps };
}
