import type { ApolloServerPlugin } from '@apollo/server';
import type { Histogram } from 'prom-client';
import type { GatewayContext } from './context';

/**
 * Each operation's duration in a histogram, by operation name and outcome, and one log line.
 * `operationLabel` bounds the names (clients choose them: platform/metric-labels.ts).
 */
export function requestLog(
  requests: Histogram<'operation' | 'status'>,
  operationLabel: (name: string | null | undefined) => string,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ contextValue, operationName, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          requests.observe({ operation: operationLabel(operationName), status: errors?.length ? 'error' : 'ok' }, seconds);
          contextValue.log.info({ operation: operationName, ms: Math.round(seconds * 1000), errors: errors?.length ?? 0 }, 'graphql request');
        },
      };
    },
  };
}
