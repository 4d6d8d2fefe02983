import { GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { operationChecks } from '../../gateway/graphql/operation-checks';
import type { SupergraphFacts } from '../../gateway/graphql/supergraph-facts';

type Hooks = { didResolveOperation: (ctx: unknown) => Promise<void> };

async function check(query: string, userId?: string): Promise<unknown> {
  const plugin = operationChecks(() => ({ callerFields: new Map() }) as unknown as SupergraphFacts);
  const hooks = (await plugin.requestDidStart!({} as never)) as unknown as Hooks;
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return hooks.didResolveOperation({ operation, request: {}, contextValue: { userId }, document, schema: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('operation checks', () => {
  it('refuse a subscription sent as an ordinary request with 400 SUBSCRIPTION_TRANSPORT_REQUIRED, signed in or not', async () => {
    for (const user of [undefined, 'alice']) {
      const error = await check('subscription { movieActivity(movieId: "550") { kind } }', user);
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions).toMatchObject({ code: 'SUBSCRIPTION_TRANSPORT_REQUIRED', http: { status: 400 } });
    }
  });

  it('let queries through', async () => {
    expect(await check('{ genres { id } }')).toBeUndefined();
  });
});
