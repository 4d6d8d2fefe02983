import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { ApolloServerPlugin } from '@apollo/server';
import { boundedLabelTuple } from '../../platform/metric-labels';

/**
 * Who uses what: clients identify themselves with Apollo's `apollographql-client-name` and
 * `-version` headers. We count operations per client and every use of a deprecated field per
 * client, so we know whom to tell before a field is removed.
 */
export function clientUsagePlugin(registry: Registry): ApolloServerPlugin {
  const operations = new Counter({
    name: 'marquee_client_operations_total',
    help: 'Operations by client name and version',
    labelNames: ['client', 'version'],
    registers: [registry],
  });
  const deprecated = new Counter({
    name: 'marquee_deprecated_field_usage_total',
    help: 'Uses of deprecated fields, by field and client',
    labelNames: ['field', 'client', 'version'],
    registers: [registry],
  });
  // Clients choose these strings: bounded (platform/metric-labels.ts).
  const clientLabels = boundedLabelTuple({ missing: 'unknown' });
  return {
    async requestDidStart({ request }) {
      const [client, version] = clientLabels([
        request.http?.headers.get('apollographql-client-name'),
        request.http?.headers.get('apollographql-client-version'),
      ]);
      return {
        async didResolveOperation({ document, schema }) {
          operations.inc({ client, version });
          for (const field of deprecatedFields(schema, document)) deprecated.inc({ field, client, version });
        },
      };
    },
  };
}

// Apollo keeps one parsed DocumentNode per distinct operation, so the walk happens once per
// operation (and schema), not once per request.
const cache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, string[]>>();

export function deprecatedFields(schema: GraphQLSchema, document: DocumentNode): string[] {
  let bySchema = cache.get(schema);
  if (!bySchema) cache.set(schema, (bySchema = new WeakMap()));
  const hit = bySchema.get(document);
  if (hit) return hit;
  const result = walk(schema, document);
  bySchema.set(document, result);
  return result;
}

function walk(schema: GraphQLSchema, document: DocumentNode): string[] {
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const def = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (def?.deprecationReason && parent) found.add(`${parent.name}.${def.name}`);
      },
    }),
  );
  return [...found];
}
