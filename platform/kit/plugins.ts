import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Histogram, type Registry } from 'prom-client';
import { ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { subgraphOperationLabel } from '../metric-labels';

/**
 * Each operation's duration (marquee_subgraph_request_duration_seconds) and one log line, and
 * resolver errors without a public code logged with their cause.
 */
export function requestMetrics<Ctx extends BaseContext>(name: string, registry: Registry, logger: Logger): ApolloServerPlugin<Ctx> {
  const duration = new Histogram({
    name: 'marquee_subgraph_request_duration_seconds',
    help: 'GraphQL request duration in the subgraph',
    labelNames: ['operation', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // The gateway names subgraph operations after its clients' operations: bounded labels.
  const operationLabel = subgraphOperationLabel(name);
  return {
    async requestDidStart(rc) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const errors = ctx.errors?.length ?? 0;
          duration.observe({ operation: operationLabel(ctx.operationName), status: errors ? 'error' : 'ok' }, seconds);
          const log = (rc.contextValue as { log?: Logger }).log ?? logger;
          log.info({ operation: ctx.operationName, ms: Math.round(seconds * 1000), errors }, 'graphql request');
        },
        async didEncounterErrors(ctx) {
          const log = (rc.contextValue as { log?: Logger }).log ?? logger;
          for (const e of ctx.errors) {
            if (!e.extensions?.code || e.extensions.code === ErrorCode.INTERNAL_SERVER_ERROR) {
              log.error({ err: e.originalError ?? e, path: e.path }, 'resolver error');
            }
          }
        },
      };
    },
  };
}

/**
 * A batch's Cache-Control header is the most restrictive of its operations', so a public
 * operation batched with a private one would look private to the gateway's subgraph cache.
 * In a batch each cacheable operation also states its own hint in `extensions.cacheControl`;
 * the gateway reads it and ignores the rest of extensions.
 */
export function operationCacheHints<Ctx extends BaseContext>(): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart({ requestIsBatched }) {
      if (!requestIsBatched) return;
      return {
        async willSendResponse({ response, overallCachePolicy, errors }) {
          const policy = overallCachePolicy.policyIfCacheable();
          if (!policy || errors?.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cacheControl: { maxAge: policy.maxAge, scope: policy.scope } };
        },
      };
    },
  };
}
