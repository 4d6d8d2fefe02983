import { cursorKey } from '../../platform/cursor';
import { createS3 } from '../../platform/aws';
import { defineSubgraph, startSubgraph, type InjectedClients, type RunningServer } from '../../platform/kit';
import type { AvailabilityConfig } from './config';
import { createAvailabilityContext, type AvailabilityDeps } from './context';
import { OffersStore } from './offers';
import { resolvers } from './resolvers';
import { UploadsStore } from './uploads';

/** Presigning needs no checksum of a body not yet there (see presign.ts). */
const PRESIGN = { requestChecksumCalculation: 'WHEN_REQUIRED' } as const;

/** The availability subgraph: where to watch a film (TMDB's watch providers, providers' feeds) and feed uploads. */
export const availability = defineSubgraph({
  name: 'availability',
  resolvers,
  ports: (cfg: AvailabilityConfig) => ({ port: cfg.AVAILABILITY_PORT, metricsPort: cfg.AVAILABILITY_METRICS_PORT }),
  setup: (kit, cfg): AvailabilityDeps => {
    const s3 = createS3({ region: cfg.AWS_REGION, endpoint: cfg.S3_ENDPOINT });
    const presigner = createS3({ region: cfg.AWS_REGION, endpoint: cfg.S3_PUBLIC_ENDPOINT ?? cfg.S3_ENDPOINT }, PRESIGN);
    kit.onClose('s3', () => (s3.destroy(), presigner.destroy()));
    return {
      offers: new OffersStore({ doc: kit.dynamodb(), table: cfg.AVAILABILITY_TABLE }),
      uploads: new UploadsStore({ doc: kit.dynamodb(), table: cfg.AVAILABILITY_TABLE }),
      tmdb: kit.tmdb(cfg),
      cache: kit.cache(),
      // Only a shared cache can be invalidated by the processor, another process.
      offersCacheSeconds: cfg.REDIS_URL ? cfg.OFFERS_CACHE_SECONDS : 0,
      presigner,
      s3,
      bucket: cfg.FEED_BUCKET,
      uploadUrlSeconds: cfg.FEED_UPLOAD_URL_TTL_SECONDS,
      cursorSecret: cursorKey(cfg.CURSOR_SECRET, kit.gatewayPublicKey),
    };
  },
  context: createAvailabilityContext,
  tables: (cfg) => [cfg.AVAILABILITY_TABLE],
});

/** `clients` lets tests observe the real clients; they close them. Production passes none. */
export function startAvailabilityService(cfg: AvailabilityConfig, gatewayPublicKey: string, clients: InjectedClients = {}): Promise<RunningServer> {
  return startSubgraph(availability, cfg, gatewayPublicKey, clients);
}
