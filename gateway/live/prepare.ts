import type { ApolloServer, ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  getArgumentValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type FormattedExecutionResult,
  type OperationDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { ErrorCode, forbidden } from '../../platform/errors';
import { parseTmdbId } from '../../platform/ids';
import { liveTopic } from '../../platform/live-bus';
import type { LiveExecutor } from '../apollo-patches/subscriptions';
import type { GatewayContext } from '../graphql/context';
import type { LiveOperation } from './stream';

/**
 * A subscription goes through Apollo Server's whole request pipeline, as any operation does:
 * APQ, parsing, validation, the operation limits, demand control and its rate limits, the
 * signed-in checks (graphql/server.ts). Where Apollo would execute it, `liveCapture` plans it on
 * the gateway's planner, routes it to its bus topic, and keeps it on the context for the
 * transport (sse.ts, ws.ts) to stream; an operation that is not a subscription runs as usual.
 */

/** Set on the context by a streaming transport; the plugin fills `operation`. */
export interface LiveRequest {
  transport: 'sse' | 'ws';
  operation?: LiveOperation;
}

export function liveCapture(executor: LiveExecutor | undefined): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue, document, request, schema, queryHash }) {
          const live = contextValue.live;
          if (!live || operation?.operation !== OperationTypeNode.SUBSCRIPTION) return;
          if (!executor) throw unavailable('Subscriptions are off on this gateway (SUBSCRIPTIONS=off, or an untested Apollo version).');
          const variables = request.variables ?? {};
          const topic = topicFor(schema, operation, variables, contextValue);
          const plan = executor.plan(document, request.operationName ?? undefined);
          const { userId, partnerId } = contextValue;
          live.operation = {
            plan,
            topic,
            variables,
            shareKey: `${queryHash}|${request.operationName ?? ''}|${JSON.stringify(variables)}|${userId ?? ''}|${partnerId ?? ''}`,
            context: contextValue,
          };
        },
        async responseForOperation({ contextValue }) {
          // Captured: nothing to execute now; the transport streams it.
          if (!contextValue.live?.operation) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: null } } };
        },
      };
    },
  };
}

/** Which bus topic a subscription listens on, from its root field and the caller. */
function topicFor(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>, ctx: GatewayContext): string {
  const root = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  const field = root?.kind === Kind.FIELD ? root : undefined;
  const def = field && schema.getSubscriptionType()?.getFields()[field.name.value];
  if (!field || !def) throw new GraphQLError('A subscription selects one field of Subscription.', { extensions: { code: ErrorCode.BAD_USER_INPUT } });
  if (def.name === 'notificationReceived') {
    if (!ctx.userId) throw forbidden('notificationReceived needs a user token: a partner key has no notifications.');
    return liveTopic.user(ctx.userId);
  }
  if (def.name === 'movieActivity') {
    const args = getArgumentValues(def, field, variables);
    return liveTopic.movie(parseTmdbId(String(args.movieId), 'movieId'));
  }
  throw new GraphQLError(`${def.name} is not served live by this gateway.`, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

function unavailable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SUBSCRIPTIONS_UNAVAILABLE', http: { status: 503 } } });
}

export type Prepared =
  /** A subscription to stream. */
  | { kind: 'live'; operation: LiveOperation }
  /** Anything else, answered once (a query or mutation over the stream, or refusals before any event). */
  | { kind: 'single'; status: number; result: FormattedExecutionResult };

/** Runs the request through Apollo Server with the transport's marker on the context. */
export async function prepareLive(
  apollo: ApolloServer<GatewayContext>,
  request: GraphQLRequest,
  context: GatewayContext,
  transport: LiveRequest['transport'],
): Promise<Prepared> {
  const live: LiveRequest = { transport };
  context.live = live;
  const response = await apollo.executeOperation(request, { contextValue: context });
  if (live.operation) return { kind: 'live', operation: live.operation };
  const result =
    response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'Incremental delivery is not served over this transport.' }] };
  const status = response.http.status ?? (result.errors?.length && !result.data ? 400 : 200);
  return { kind: 'single', status, result };
}
