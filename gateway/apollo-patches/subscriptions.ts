import { buildOperationContext, executeQueryPlan, type ApolloGateway, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanner } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { versionMismatches } from './index';

/**
 * Subscriptions on Apollo's own planner and executor (issue #20, docs/live.md). @apollo/gateway
 * plans a subscription (`SubscriptionNode`: a primary fetch to the subgraph that owns the root
 * field, and the `rest` of the plan for the fields other subgraphs own) but its executor throws
 * on one. This module reads the gateway's planner, schemas and data sources (private fields,
 * hence the fence) and runs, for each event, an ordinary plan:
 *
 *   Sequence [ Fetch(primary, through a data source that adds the event), rest ]
 *
 * with Apollo's `executeQueryPlan`: entity fetches, batching, deduplication and result shaping
 * stay Apollo's (and Marquee's subgraph clients'). The primary fetch goes to the owning
 * subgraph as one ordinary signed operation carrying the event in `extensions.marqueeLiveEvent`,
 * and the subgraph's resolvers turn it into its types.
 *
 * Only over the versions in TESTED_VERSIONS: any other is refused (`liveExecutor` returns why),
 * and `SUBSCRIPTIONS=off` turns the whole feature off. tests/unit/subscription-plan.test.ts runs
 * it against stock @apollo/gateway's own execution of the equivalent query.
 */

/** The private fields of ApolloGateway this reads (2.14.4). */
interface GatewayInternals {
  queryPlanner?: QueryPlanner;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  config?: { telemetry?: Parameters<typeof executeQueryPlan>[6] };
}

/** A subscription planned once, executed per event. */
export interface PlannedSubscription {
  /** The subgraph that owns the root field (it resolves each event). */
  subgraph: string;
  primary: FetchNode;
  rest?: PlanNode;
  document: DocumentNode;
  operationName: string | undefined;
  /** The schemas it was planned on (a new supergraph plans anew). */
  apiSchema: Schema;
}

export interface LiveExecutor {
  /** Plans a validated subscription document; throws GraphQLError as Apollo's planner does. */
  plan(document: DocumentNode, operationName: string | undefined): PlannedSubscription;
  /** Runs the plan for one event: the primary fetch carries `event`, the rest is Apollo's. */
  execute(plan: PlannedSubscription, event: unknown, variables: Record<string, unknown>, context: object): Promise<ExecutionResult>;
}

/** The subgraph operation field the event rides in (platform/kit/server.ts reads it). */
export const LIVE_EVENT_EXTENSION = 'marqueeLiveEvent';

/** The executor, or why there is none (versions other than the tested ones). */
export function liveExecutor(gateway: ApolloGateway, read?: (pkg: string) => string | undefined): LiveExecutor | { unavailable: string } {
  const mismatches = versionMismatches(read);
  if (mismatches.length > 0) return { unavailable: `installed versions differ from the tested ones (${mismatches.join(', ')})` };
  const g = gateway as unknown as GatewayInternals;
  const loaded = () => {
    if (!g.queryPlanner || !g.apiSchema || !g.supergraphSchema) throw new Error('the gateway has not loaded a supergraph yet');
    return { planner: g.queryPlanner, apiSchema: g.apiSchema, supergraphSchema: g.supergraphSchema };
  };
  return {
    plan(document, operationName) {
      const { planner, apiSchema } = loaded();
      const operation = operationFromDocument(apiSchema, document, { operationName });
      const plan = planner.buildQueryPlan(operation);
      if (plan.node?.kind !== 'Subscription') throw new Error('not a subscription plan');
      return { subgraph: plan.node.primary.serviceName, primary: plan.node.primary, rest: plan.node.rest, document, operationName, apiSchema };
    },
    async execute(plan, event, variables, context) {
      const { supergraphSchema, apiSchema } = loaded();
      const owner = g.serviceMap[plan.subgraph]?.dataSource;
      if (!owner) throw new Error(`no data source for ${plan.subgraph}`);
      // The primary fetch under a name of its own, so only it carries the event.
      const source = `${plan.subgraph}#live`;
      const withEvent: GraphQLDataSource = {
        process: (options) => owner.process({ ...options, request: { ...options.request, extensions: { [LIVE_EVENT_EXTENSION]: event } } }),
      };
      const serviceMap: ServiceMap = { [source]: withEvent };
      for (const [name, { dataSource }] of Object.entries(g.serviceMap)) serviceMap[name] = dataSource;
      const primary: FetchNode = { ...plan.primary, serviceName: source };
      const queryPlan: QueryPlan = { kind: 'QueryPlan', node: plan.rest ? { kind: 'Sequence', nodes: [primary, plan.rest] } : primary };
      const operationContext = buildOperationContext({
        schema: toGraphQLSchema(apiSchema),
        operationDocument: plan.document,
        operationName: plan.operationName,
      });
      // What executeQueryPlan reads of Apollo Server's request context: the variables, the
      // context handed to data sources, and the metrics object it notes errors in.
      const requestContext = {
        request: { variables, operationName: plan.operationName },
        context,
        metrics: {},
        logger: undefined,
      } as unknown as GatewayGraphQLRequestContext;
      const result = await executeQueryPlan(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, g.config?.telemetry);
      return { data: result.data ?? null, ...(result.errors?.length ? { errors: result.errors } : {}) };
    },
  };
}

const graphqlSchemas = new WeakMap<Schema, GraphQLSchema>();

/** The API schema as graphql-js's (operation context: introspection only), made once per schema. */
function toGraphQLSchema(apiSchema: Schema): GraphQLSchema {
  let s = graphqlSchemas.get(apiSchema);
  if (!s) graphqlSchemas.set(apiSchema, (s = apiSchema.toGraphQLJSSchema()));
  return s;
}
