import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { Histogram, type Registry } from 'prom-client';
import { CostEstimator, costLimitError } from './cost';

/** The request header that asks for `extensions.cost` { estimated, actual, max } in the answer. */
export const COST_HEADER = 'x-marquee-cost';

/**
 * Refuses an operation whose estimated cost (cost.ts) is above MAX_COST before any subgraph is
 * called: HTTP 400, code COST_LIMIT_EXCEEDED, `extensions.cost` { estimated, max }. The
 * directives are read again from the supergraph file whenever the gateway's schema changes.
 * After execution the actual cost (real list lengths) goes to a histogram, and to the answer's
 * `extensions.cost` when the client sends `x-marquee-cost: true`. `charge` takes the estimated
 * cost of an operation within MAX_COST from its caller's cost budget (RATE_LIMIT_COST_*) and
 * throws to refuse it, still before any subgraph is called.
 */
export function costPlugin<C extends BaseContext>(opts: {
  supergraphPath: string;
  maxCost: number;
  registry?: Registry;
  charge?: (context: C, estimated: number) => Promise<void>;
}): ApolloServerPlugin<C> {
  let estimator: CostEstimator | undefined;
  let forSchema: GraphQLSchema | undefined;
  const histogram = new Histogram({
    name: 'marquee_gateway_operation_cost',
    help: 'Demand-control cost of operations served: estimated before execution, actual from the answer',
    labelNames: ['kind'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: opts.registry ? [opts.registry] : [],
  });
  return {
    async requestDidStart() {
      let estimated: number | undefined;
      return {
        async didResolveOperation({ document, operationName, request, schema, contextValue }) {
          if (!estimator || forSchema !== schema) {
            estimator = CostEstimator.fromFile(opts.supergraphPath);
            forSchema = schema;
          }
          estimated = estimator.estimate(document, operationName ?? request.operationName, request.variables ?? {});
          histogram.observe({ kind: 'estimated' }, estimated);
          if (estimator.declaresCosts && estimated > opts.maxCost) throw costLimitError(estimated, opts.maxCost);
          await opts.charge?.(contextValue, estimated);
        },
        async willSendResponse({ document, operationName, request, response }) {
          if (estimated === undefined || !estimator || !document || response.body.kind !== 'single') return;
          const actual = estimator.actual(document, operationName ?? request.operationName, response.body.singleResult.data);
          histogram.observe({ kind: 'actual' }, actual);
          if (request.http?.headers.get(COST_HEADER) === 'true') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, cost: { estimated, actual, max: opts.maxCost } };
          }
        },
      };
    },
  };
}
