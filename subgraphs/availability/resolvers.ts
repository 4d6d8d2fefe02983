import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { resumeAfter, toConnection } from '../../platform/connection';
import { checkFirst } from '../../platform/cursor';
import { forbidden, userInputError } from '../../platform/errors';
import { hasRole } from '../../platform/identity';
import { isTmdbId } from '../../platform/ids';
import { isRegion } from '../../platform/iso';
import type { AvailabilityContext } from './context';
import type { Resolvers } from './generated/resolvers';
import type { UploadItem } from './model';
import { presignPut } from './presign';
import { feedProviderId } from './table';
import { tmdbProvider } from './tmdb-options';
import type { ProviderShape } from './model';
import { watchOptions } from './watch-options';

/** The calling provider's partner id; FORBIDDEN for any caller without the `provider` role. */
function provider(ctx: AvailabilityContext): string {
  if (!hasRole(ctx.caller, 'provider') || !ctx.caller.partnerId) throw forbidden('Feed uploads need a partner key with the provider role.');
  return ctx.caller.partnerId;
}

function region(value: string): string {
  if (!isRegion(value)) throw userInputError('region must be an ISO 3166-1 alpha-2 code such as US.', 'region');
  return value;
}

const UPLOAD_ID = /^[0-9a-z]{9}[0-9a-f]{16}$/;

/** AWAITING_FILE until the processor starts; RECEIVED once the file is in the bucket. */
async function shown(ctx: AvailabilityContext, upload: UploadItem): Promise<UploadItem> {
  if (upload.status !== 'AWAITING_FILE') return upload;
  try {
    await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: upload.objectKey }));
    return { ...upload, status: 'RECEIVED' };
  } catch (err) {
    if (err instanceof Error && (err.name === 'NotFound' || err.name === 'NoSuchKey')) return upload;
    throw err;
  }
}

export const resolvers: Resolvers = {
  Query: {
    watchProviders: async (_p, args, ctx) => {
      const r = region(args.region);
      const [fromTmdb, feeds] = await Promise.all([ctx.tmdb.watchProviderList(r), ctx.offers.allPointers()]);
      const list: ProviderShape[] = [...fromTmdb].sort((a, b) => (a.display_priority ?? 0) - (b.display_priority ?? 0)).map(tmdbProvider);
      for (const f of feeds) if (f.regions.includes(r)) list.push({ id: feedProviderId(f.partnerId), name: f.name, logo: f.logo });
      return list;
    },
    feedUpload: async (_p, args, ctx) => {
      const partnerId = provider(ctx);
      if (!UPLOAD_ID.test(args.id)) return null;
      const upload = await ctx.uploads.get(partnerId, args.id);
      return upload ? shown(ctx, upload) : null;
    },
    feedUploads: async (_p, args, ctx) => {
      const partnerId = provider(ctx);
      checkFirst(args.first);
      const scope = `uploads:${partnerId}`;
      const page = await ctx.uploads.page(partnerId, args.first, resumeAfter(ctx.cursorSecret, scope, args.after));
      const items = await Promise.all(page.items.map((u) => shown(ctx, u)));
      return toConnection(ctx.cursorSecret, scope, { items, hasNext: page.hasNext }, (u) => ({ pk: `PROVIDER#${u.partnerId}`, sk: `UPLOAD#${u.id}` }));
    },
  },
  Mutation: {
    requestFeedUpload: async (_p, _args, ctx) => {
      const partnerId = provider(ctx);
      const upload = await ctx.uploads.create(partnerId);
      const signedAt = new Date();
      const url = await presignPut(ctx.presigner, ctx.bucket, upload.objectKey, ctx.uploadUrlSeconds, signedAt);
      ctx.log.info({ uploadId: upload.id }, 'feed upload URL issued');
      return { uploadId: upload.id, url, expiresAt: new Date(signedAt.getTime() + ctx.uploadUrlSeconds * 1000).toISOString() };
    },
  },
  Movie: {
    __resolveReference: (ref) => ({ id: ref.id }),
    watchOptions: (movie, args, ctx) => {
      const r = region(args.region);
      return isTmdbId(movie.id) ? watchOptions(ctx, movie.id, r) : Promise.resolve([]);
    },
  },
  FeedUpload: {
    offerCount: (u) => u.offerCount ?? null,
    unchanged: (u) => u.unchanged ?? false,
    errors: (u) => u.errors ?? [],
  },
};
