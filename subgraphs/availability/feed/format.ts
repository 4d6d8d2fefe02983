import { z } from 'zod';
import { isTmdbId } from '../../../platform/ids';
import { isCurrency, isRegion } from '../../../platform/iso';

/**
 * The provider feed, version 1 (docs/availability.md, examples/provider-feed.json): who the
 * provider is and every offer it makes. A feed is the provider's whole catalogue: applying it
 * replaces all of that provider's offers.
 */
export const FEED_VERSION = 1;

const offer = z
  .object({
    movieId: z.string().refine(isTmdbId, 'must be a TMDB id (a positive integer, as a string)'),
    region: z.string().refine(isRegion, 'must be an ISO 3166-1 alpha-2 region such as US'),
    type: z.enum(['STREAM', 'RENT', 'BUY', 'FREE', 'ADS']),
    price: z
      .object({
        amount: z.number().min(0, 'must not be negative').max(1_000_000),
        currency: z.string().refine(isCurrency, 'must be an ISO 4217 currency such as USD'),
      })
      .strict()
      .optional(),
    quality: z.enum(['SD', 'HD', 'UHD']).optional(),
    link: z.string().url().max(2048).startsWith('https://', 'must be an https:// URL').optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.type === 'RENT' || o.type === 'BUY') && !o.price) ctx.addIssue({ code: 'custom', message: `a ${o.type} offer needs a price`, path: ['price'] });
  });

export const feedSchema = z
  .object({
    version: z.literal(FEED_VERSION, `must be ${FEED_VERSION} (the only feed version)`),
    provider: z
      .object({
        name: z.string().trim().min(1).max(100),
        logo: z.string().url().max(2048).startsWith('https://', 'must be an https:// URL').optional(),
      })
      .strict(),
    offers: z.array(offer),
  })
  .strict();

export type Feed = z.infer<typeof feedSchema>;
export type FeedOffer = Feed['offers'][number];

/** Two offers for the same film, region, type and quality say different things: one of them is a mistake. */
export function offerIdentity(o: FeedOffer): string {
  return `${o.movieId}|${o.region}|${o.type}|${o.quality ?? ''}`;
}
