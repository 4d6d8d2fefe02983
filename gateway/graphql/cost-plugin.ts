import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { Histogram, type Counter, type Registry } from 'prom-client';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { RateDecision, Subject } from '../pipeline/rate-limit';
import { costLimitError, type CostEstimator } from './cost';
import type { SupergraphFacts } from './supergraph-facts';

/** The request header that asks for `extensions.cost` { estimated, actual, max } in the answer. */
export const COST_HEADER = 'x-marquee-cost';

/**
 * Refuses an operation whose estimated cost (cost.ts) is above MAX_COST before any subgraph is
 * called: HTTP 400, code COST_LIMIT_EXCEEDED, `extensions.cost` { estimated, max }. The
 * directives come from the supergraph (`facts`, read again whenever the gateway's schema changes).
 * After execution the actual cost (real list lengths) goes to a histogram, and to the answer's
 * `extensions.cost` when the client sends `x-marquee-cost: true`. `charge` takes the estimated
 * cost of an operation within MAX_COST from its caller's cost budget (RATE_LIMIT_COST_*) and
 * throws to refuse it, still before any subgraph is called.
 */
export function costPlugin<C extends BaseContext>(opts: {
  facts: (schema: GraphQLSchema) => SupergraphFacts;
  maxCost: number;
  registry?: Registry;
  charge?: (context: C, estimated: number) => Promise<void>;
}): ApolloServerPlugin<C> {
  const histogram = new Histogram({
    name: 'marquee_gateway_operation_cost',
    help: 'Demand-control cost of operations served: estimated before execution, actual from the answer',
    labelNames: ['kind'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: opts.registry ? [opts.registry] : [],
  });
  return {
    async requestDidStart() {
      let estimator: CostEstimator | undefined;
      let estimated: number | undefined;
      return {
        async didResolveOperation({ document, operationName, request, schema, contextValue }) {
          estimator = opts.facts(schema).cost;
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

/**
 * costPlugin's `charge` for the cost-unit rate limits (RATE_LIMIT_COST_*; undefined when all are
 * off): the estimated cost is taken from the budget of the request's rate subject (the request
 * limit's, pipeline/rate-limit.ts); over it, HTTP 429 RATE_LIMITED with Retry-After.
 */
export function costBudget(
  limit: ((subject: Subject, cost: number) => Promise<RateDecision>) | undefined,
  rateLimited: Counter<'kind'>,
): ((context: { rateSubject: Subject; log: Logger }, estimated: number) => Promise<void>) | undefined {
  if (!limit) return undefined;
  return async ({ rateSubject, log }, estimated) => {
    const decision = await limit(rateSubject, estimated);
    if (decision.allowed) return;
    rateLimited.inc({ kind: `cost-${rateSubject.kind}` });
    log.info({ kind: rateSubject.kind, cost: estimated }, 'cost rate limited');
    throw costRateLimitedError(decision.retryAfterSeconds);
  };
}

/** An operation over its caller's cost budget per minute: HTTP 429 with Retry-After, like the request limit's. */
function costRateLimitedError(retryAfterSeconds: number): GraphQLError {
  // Apollo takes the headers as a Map; graphql-yoga (a benchmark peer) types them as a record.
  const headers = new HeaderMap([['retry-after', String(retryAfterSeconds)]]) as unknown as Record<string, string>;
  return new GraphQLError(`Too much demand-control cost this minute; retry after ${retryAfterSeconds}s.`, {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds, http: { status: 429, headers } },
  });
}
