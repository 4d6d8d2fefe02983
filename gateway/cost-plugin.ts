import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { CostEstimator, costLimitError } from './cost';

/**
 * Refuses an operation whose estimated cost (cost.ts) is above MAX_COST before any subgraph is
 * called: HTTP 400, code COST_LIMIT_EXCEEDED, `extensions.cost` { estimated, max }. The
 * directives are read again from the supergraph file whenever the gateway's schema changes.
 */
export function costPlugin(opts: { supergraphPath: string; maxCost: number }): ApolloServerPlugin {
  let estimator: CostEstimator | undefined;
  let forSchema: GraphQLSchema | undefined;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request, schema }) {
          if (!estimator || forSchema !== schema) {
            estimator = CostEstimator.fromFile(opts.supergraphPath);
            forSchema = schema;
          }
          const estimated = estimator.estimate(document, operationName ?? request.operationName, request.variables ?? {});
          if (estimated > opts.maxCost) throw costLimitError(estimated, opts.maxCost);
        },
      };
    },
  };
}
