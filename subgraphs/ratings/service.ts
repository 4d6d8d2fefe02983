import { cursorKey } from '../../platform/cursor';
import { defineSubgraph, startSubgraph, type InjectedClients, type RunningServer } from '../../platform/kit';
import type { RatingsConfig } from './config';
import { createRatingsContext, type RatingsDeps } from './context';
import { resolvers } from './resolvers';
import { RatingsStore } from './store';
import { ScoreHistoryStore } from './history';

/** The ratings subgraph: ratings and their summaries in DynamoDB, events into the outbox table. */
export const ratings = defineSubgraph({
  name: 'ratings',
  resolvers,
  ports: (cfg: RatingsConfig) => ({ port: cfg.RATINGS_PORT, metricsPort: cfg.RATINGS_METRICS_PORT }),
  setup: (kit, cfg): RatingsDeps => ({
    store: new RatingsStore({ doc: kit.dynamodb(), table: cfg.RATINGS_TABLE, eventsTable: cfg.EVENTS_TABLE }),
    history: new ScoreHistoryStore({ doc: kit.dynamodb(), table: cfg.SCORE_HISTORY_TABLE }),
    tmdb: kit.tmdb(cfg),
    cursorSecret: cursorKey(cfg.CURSOR_SECRET, kit.gatewayPublicKey),
  }),
  context: createRatingsContext,
  tables: (cfg) => [cfg.RATINGS_TABLE],
});

/** `clients` lets tests observe the real clients (e.g. count DynamoDB calls); they close them. Production passes none. */
export function startRatingsService(cfg: RatingsConfig, gatewayPublicKey: string, clients: InjectedClients = {}): Promise<RunningServer> {
  return startSubgraph(ratings, cfg, gatewayPublicKey, clients);
}
