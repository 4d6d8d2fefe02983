import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Cache } from '../../../platform/cache';
import type { Logger } from '../../../platform/logger';
import type { FeedError } from '../generated/resolvers';
import type { Feed } from '../feed/format';
import { validateFeed, type FeedLimits } from '../feed/validate';
import type { StoredOffer } from '../model';
import type { OffersStore, Pointer } from '../offers';
import { OBJECT_KEY, type UploadsStore } from '../uploads';
import { offersCacheKey } from '../watch-options';
import type { ProviderAlerts } from './alerts';
import type { ObjectCreated } from './s3-event';

/** What became of one file; the metric's label. */
export type Outcome = 'applied' | 'unchanged' | 'rejected' | 'superseded' | 'duplicate' | 'ignored';

/** Points where tests stop a processor as if it died there. */
export type CrashPoint = 'afterOfferChunk' | 'afterSwap';

export interface FileDeps {
  s3: S3Client;
  bucket: string;
  offers: OffersStore;
  uploads: UploadsStore;
  cache: Cache;
  alerts: ProviderAlerts;
  logger: Logger;
  limits: FeedLimits & { maxBytes: number };
  /** The TMDB ids among `ids` that TMDB does not know. */
  unknownMovies(ids: string[]): Promise<Set<string>>;
  crash?: (point: CrashPoint) => void | Promise<void>;
}

/**
 * One uploaded file, start to end: check it is an upload we issued, mark it PROCESSING (or stop:
 * the same file already ended), read and validate it, then write the new version beside the old
 * and swap the provider's pointer in one transaction (old or new visible, never a mix), delete
 * the replaced version and drop the affected films' cached offers. Throws on failures worth a
 * retry (S3, DynamoDB); a file that is wrong ends REJECTED, with an alert.
 */
export async function processFile(d: FileDeps, o: ObjectCreated): Promise<Outcome> {
  const m = OBJECT_KEY.exec(o.key);
  const upload = m && o.bucket === d.bucket ? await d.uploads.get(m[1], m[2], true) : null;
  if (!m || !upload) {
    d.logger.warn({ bucket: o.bucket, key: o.key }, 'object is no issued upload; ignored');
    return 'ignored';
  }
  const [, partnerId, uploadId] = m;
  if (!(await d.uploads.startProcessing(partnerId, uploadId, o.etag))) {
    // The same file ended before (a message delivered again): only finish what a processor that died after the swap left.
    const pointer = await d.offers.pointer(partnerId);
    if (pointer && pointer.version === versionOf(uploadId, o.etag)) await cleanUp(d, pointer);
    return 'duplicate';
  }
  const reject = async (errors: FeedError[], offerCount: number | null): Promise<Outcome> => {
    await d.uploads.finish(partnerId, uploadId, 'REJECTED', { errors, offerCount: offerCount ?? undefined });
    await d.alerts.publish({ kind: 'FEED_REJECTED', providerId: partnerId, uploadId, message: `Feed upload ${uploadId} was rejected.`, errors });
    return 'rejected';
  };

  const read = await readFile(d, o);
  if (read === 'replaced') {
    // Overwritten since this event: the newer file's own event follows and is processed instead.
    d.logger.info({ uploadId }, 'file replaced since its event; skipped');
    return 'ignored';
  }
  if ('size' in read) return reject([{ line: null, path: null, message: `the file is ${read.size} bytes; a feed may be at most ${d.limits.maxBytes}` }], null);
  const checked = await validateFeed(read.text, d.limits, (ids) => d.unknownMovies(ids));
  if (!checked.ok) return reject(checked.errors, checked.offerCount);

  const { byMovie, regions } = group(checked.feed);
  const contentHash = hashOf(checked.feed);
  const current = await d.offers.pointer(partnerId);
  if (current?.contentHash === contentHash) {
    await d.uploads.finish(partnerId, uploadId, 'APPLIED', { offerCount: checked.feed.offers.length, unchanged: true });
    return 'unchanged';
  }
  const version = versionOf(uploadId, o.etag);
  await d.offers.writeVersion(partnerId, version, byMovie, () => d.crash?.('afterOfferChunk'));
  const at = new Date().toISOString();
  const pointer: Pointer & { replaced?: { version: string; movies: string[] } } = {
    partnerId,
    version,
    seq: `${o.eventTime}#${uploadId}`,
    name: checked.feed.provider.name,
    logo: checked.feed.provider.logo ?? null,
    movies: [...byMovie.keys()],
    regions,
    contentHash,
    appliedAt: at,
    ...(current ? { replaced: { version: current.version, movies: current.movies } } : {}),
  };
  const swapped = await d.offers.swap({ pointer, upload: { partnerId, uploadId, offerCount: checked.feed.offers.length, at } });
  if (swapped === 'superseded') {
    await d.offers.deleteVersion(partnerId, version, pointer.movies);
    await d.uploads.finish(partnerId, uploadId, 'REJECTED', {
      offerCount: checked.feed.offers.length,
      errors: [{ line: null, path: null, message: 'a feed uploaded after this one is already applied; this one was not' }],
    });
    return 'superseded';
  }
  await d.crash?.('afterSwap');
  await cleanUp(d, pointer);
  return 'applied';
}

/** The exact file the event names (If-Match its ETag), unread when larger than the limit. */
async function readFile(d: FileDeps, o: ObjectCreated): Promise<{ text: string } | 'replaced' | { size: number }> {
  try {
    const got = await d.s3.send(new GetObjectCommand({ Bucket: d.bucket, Key: o.key, IfMatch: `"${o.etag}"` }));
    const size = got.ContentLength ?? 0;
    if (size > d.limits.maxBytes) {
      await got.Body?.transformToWebStream().cancel();
      return { size };
    }
    return { text: (await got.Body?.transformToString('utf8')) ?? '' };
  } catch (err) {
    if (err instanceof Error && (err.name === 'PreconditionFailed' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412))
      return 'replaced';
    throw err;
  }
}

/** After a swap: delete the replaced version and drop the cached offers of every film either version covers. */
async function cleanUp(d: FileDeps, pointer: Pointer & { replaced?: { version: string; movies: string[] } }): Promise<void> {
  const old = pointer.replaced;
  if (old && old.version !== pointer.version) await d.offers.deleteVersion(pointer.partnerId, old.version, old.movies);
  const films = new Set([...pointer.movies, ...(old?.movies ?? [])]);
  await d.cache.deleteMany([...films].map(offersCacheKey));
}

/** One version per file: the upload and the exact bytes (ETag) it holds. */
function versionOf(uploadId: string, etag: string): string {
  return `${uploadId}.${createHash('sha256').update(etag).digest('hex').slice(0, 12)}`;
}

function group(feed: Feed): { byMovie: Map<string, StoredOffer[]>; regions: string[] } {
  const byMovie = new Map<string, StoredOffer[]>();
  const regions = new Set<string>();
  for (const o of feed.offers) {
    regions.add(o.region);
    const stored: StoredOffer = { region: o.region, type: o.type, ...(o.price ? { price: o.price.amount, currency: o.price.currency } : {}) };
    if (o.quality) stored.quality = o.quality;
    if (o.link) stored.link = o.link;
    const list = byMovie.get(o.movieId) ?? [];
    list.push(stored);
    byMovie.set(o.movieId, list);
  }
  return { byMovie, regions: [...regions].sort() };
}

/** The feed's meaning, not its bytes: the same offers in another order or layout are the same feed. */
function hashOf(feed: Feed): string {
  const offers = feed.offers
    .map((o) => JSON.stringify([o.movieId, o.region, o.type, o.quality ?? null, o.price?.amount ?? null, o.price?.currency ?? null, o.link ?? null]))
    .sort();
  return createHash('sha256')
    .update(JSON.stringify([feed.provider.name, feed.provider.logo ?? null, offers]))
    .digest('hex');
}
