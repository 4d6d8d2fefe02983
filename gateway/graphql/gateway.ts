import { ApolloGateway } from '@apollo/gateway';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../../platform/logger';
import { planReader } from '../apollo-patches';
import type { GatewayConfig } from '../config';
import type { Generations } from '../entity-cache/generations';
import { SubgraphAnswerCache } from '../subgraph-cache';
import { SubgraphClient } from '../subgraph-client';
import type { GatewayContext } from './context';
import { supergraphFromFile } from './supergraph';

/** The subgraphs' URLs from the configuration (the supergraph's own are used for any other). */
export function subgraphUrls(cfg: Pick<GatewayConfig, 'MOVIES_URL' | 'RATINGS_URL' | 'NOTIFICATIONS_URL' | 'AVAILABILITY_URL'>): Record<string, string> {
  return { movies: cfg.MOVIES_URL, ratings: cfg.RATINGS_URL, notifications: cfg.NOTIFICATIONS_URL, availability: cfg.AVAILABILITY_URL };
}

/**
 * @apollo/gateway over the checked-in supergraph (hot-swapped when the file changes), with
 * Marquee's subgraph client (gateway/subgraph-client/) for every subgraph. `clients` are the
 * ones made so far, for shutdown.
 */
/**
 * Whether anything of this configuration reads the generation counters a fetch was made under:
 * the subgraph cache (its keys), the response cache (the dependencies its entries are stored
 * under) and in-flight deduplication (a call started before a write is not shared after it).
 * With all three off, reading them per fetch would only cost (a walk of the representations, an
 * MGET now and then, a longer key).
 */
export function readsGenerations(cfg: Pick<GatewayConfig, 'SUBGRAPH_CACHE' | 'RESPONSE_CACHE' | 'SUBGRAPH_DEDUPE'>): boolean {
  return cfg.SUBGRAPH_CACHE === 'on' || cfg.RESPONSE_CACHE === 'on' || cfg.SUBGRAPH_DEDUPE === 'on';
}

export function createApolloGateway(
  cfg: GatewayConfig,
  signingKey: string,
  deps: { redis: Redis | undefined; registry: Registry; logger: Logger; generations?: Generations },
): { gateway: ApolloGateway; clients: SubgraphClient[] } {
  const { redis, registry, logger, generations } = deps;
  const urls = subgraphUrls(cfg);
  const cache = cfg.SUBGRAPH_CACHE === 'on' ? new SubgraphAnswerCache({ redis, registry, logger: logger.child({ component: 'subgraph-cache' }) }) : undefined;
  const clients: SubgraphClient[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(cfg.SUPERGRAPH_PATH, logger),
    buildService: ({ name, url }) => {
      const client = new SubgraphClient({
        name,
        url: urls[name] ?? url!,
        signingKey,
        timeoutMs: cfg.SUBGRAPH_TIMEOUT_MS,
        connections: cfg.SUBGRAPH_CONNECTIONS,
        dedupe: cfg.SUBGRAPH_DEDUPE === 'on',
        batch: cfg.SUBGRAPH_BATCHING === 'on',
        distinctRepresentations: cfg.SUBGRAPH_DEDUPE_REPRESENTATIONS === 'on',
        freezeSharedAnswers: cfg.SUBGRAPH_FREEZE_SHARED === 'on',
        cache,
        entityCache: cfg.SUBGRAPH_ENTITY_CACHE === 'on',
        generations: readsGenerations(cfg) ? generations : undefined,
        registry,
      });
      clients.push(client);
      return client;
    },
    logger: logger.child({ component: 'apollo-gateway' }),
    // Tells the subgraph clients which parts of their answers this plan writes into, so that
    // requests sharing an answer copy only those (apollo-patches/answer-sharing.ts). Once per
    // cached plan. Not with APOLLO_PATCHES=off: whole copies then.
    experimental_didResolveQueryPlan: planReader(
      cfg.APOLLO_PATCHES,
      (context, recipes) => {
        (context as GatewayContext).answerRecipes = recipes;
      },
      cfg.APOLLO_PATCHES_SKIP,
    ),
  });
  return { gateway, clients };
}
