import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { selectsAuthenticated } from './authenticated';
import type { GatewayContext } from './context';
import type { SupergraphFacts } from './supergraph-facts';

/**
 * Two refusals once Apollo has resolved the operation, before the query plan runs. An operation
 * the document does not have is the client's error (400). A root field the subgraphs mark
 * @requiresCaller (every Marquee mutation; authenticated.ts) needs a caller: refused here, before
 * any subgraph call, so an anonymous mutation never reaches a subgraph nor marks anyone as a
 * recent writer (subgraph cache). The fields are read again when the supergraph changes.
 */
export function operationChecks(facts: (schema: GraphQLSchema) => SupergraphFacts): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue, document, schema }) {
          // Apollo leaves this to the executor, and @apollo/gateway's answers it with a 500.
          if (!operation) {
            const message = request.operationName
              ? `Unknown operation named "${request.operationName}".`
              : 'Must provide operation name if query contains multiple operations.';
            throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
          }
          // A subscription streams over SSE or WebSocket (live/); sent as a plain request it would
          // reach @apollo/gateway's executor, which throws on a subscription plan (a 500).
          if (operation.operation === OperationTypeNode.SUBSCRIPTION && !contextValue.live)
            throw new GraphQLError('Subscriptions are not served over single-answer HTTP; they need a streaming transport (docs/errors.md).', {
              extensions: { code: 'SUBSCRIPTION_TRANSPORT_REQUIRED', http: { status: 400 } },
            });
          if (!contextValue.userId && !contextValue.partnerId) {
            const field = selectsAuthenticated(facts(schema).callerFields, document, operation);
            if (field)
              throw new GraphQLError(`You must be signed in to use ${field}.`, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
          }
        },
      };
    },
  };
}
