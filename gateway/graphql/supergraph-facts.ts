import { readFileSync } from 'node:fs';
import type { GraphQLSchema } from 'graphql';
import { authenticatedRootFields } from './authenticated';
import { CostEstimator } from './cost';

/**
 * What the plugins read from the supergraph's directives, which Apollo's schema does not keep:
 * demand control's weights and list sizes (cost.ts), and the root fields that need a caller
 * (authenticated.ts). Read from the file once per schema the gateway runs (it hot-swaps the
 * supergraph: graphql/supergraph.ts), each part parsed when first asked for.
 */
export interface SupergraphFacts {
  readonly cost: CostEstimator;
  readonly callerFields: Map<string, Set<string>>;
}

export function supergraphFacts(supergraphPath: string): (schema: GraphQLSchema) => SupergraphFacts {
  let forSchema: GraphQLSchema | undefined;
  let facts: SupergraphFacts | undefined;
  return (schema) => {
    if (facts && forSchema === schema) return facts;
    const sdl = readFileSync(supergraphPath, 'utf8');
    let cost: CostEstimator | undefined;
    let callerFields: Map<string, Set<string>> | undefined;
    facts = {
      get cost() {
        return (cost ??= new CostEstimator(sdl));
      },
      get callerFields() {
        return (callerFields ??= authenticatedRootFields(sdl));
      },
    };
    forSchema = schema;
    return facts;
  };
}
