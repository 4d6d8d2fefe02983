import { Kind, parse, type OperationDefinitionNode, type SelectionSetNode, type FragmentDefinitionNode, type DocumentNode } from 'graphql';

/**
 * Root fields that need a caller, read from the composed supergraph: Marquee's `@requiresCaller`
 * (composed with `@composeDirective`), or federation's `@authenticated`, which @apollo/gateway
 * 2.14 refuses to load ("for: SECURITY but is unsupported") but a supergraph may carry one day.
 * An anonymous caller's operation that selects one is refused before any subgraph call, as
 * Apollo Router does for `@authenticated`. Only the subgraphs say which fields need a caller, so a
 * supergraph whose mutations are public (the federation audit's) keeps them public.
 */
const CALLER_DIRECTIVES = ['requiresCaller', 'authenticated'];
export function authenticatedRootFields(supergraphSdl: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const def of parse(supergraphSdl).definitions) {
    if (
      (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) ||
      !['Query', 'Mutation', 'Subscription'].includes(def.name.value)
    )
      continue;
    for (const f of def.fields ?? []) {
      if (!f.directives?.some((d) => CALLER_DIRECTIVES.includes(d.name.value))) continue;
      const set = out.get(def.name.value) ?? new Set<string>();
      set.add(f.name.value);
      out.set(def.name.value, set);
    }
  }
  return out;
}

const ROOT: Record<OperationDefinitionNode['operation'], string> = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };

/** The first `@authenticated` root field the operation selects (through fragments too), if any. */
export function selectsAuthenticated(fields: Map<string, Set<string>>, document: DocumentNode, operation: OperationDefinitionNode): string | undefined {
  const wanted = fields.get(ROOT[operation.operation]);
  if (!wanted?.size) return undefined;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): string | undefined => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD && wanted.has(s.name.value)) return s.name.value;
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const hit = walk(s.selectionSet);
        if (hit) return hit;
      }
      if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
        seen.add(s.name.value);
        const frag = fragments.get(s.name.value);
        const hit = frag && walk(frag.selectionSet);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  return walk(operation.selectionSet);
}
