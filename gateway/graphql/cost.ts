import { readFileSync } from 'node:fs';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  buildASTSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  parse,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Demand control: the estimated cost of an operation before it runs, per the IBM GraphQL cost
 * directive spec as Apollo Router implements it. Composite values cost 1 (or their type's
 * `@cost`), scalars and enums 0 (or the field's `@cost`), a list multiplies its items by its
 * `@listSize` (the largest slicing argument given, else `assumedSize`; `sizedFields` pass the
 * size to a connection's `edges`), and each mutation field adds 10. The directives are read from
 * the composed supergraph (schema/*.graphql), so subgraph teams set their own list sizes.
 */
const MUTATION_COST = 10;
/** Lists without @listSize: every list in our schema has one or holds only scalars. */
const DEFAULT_LIST_SIZE = 10;

interface ListSize {
  assumedSize?: number;
  slicingArguments: string[];
  sizedFields: string[];
}

export class CostEstimator {
  private readonly schema: GraphQLSchema;

  /**
   * Whether the supergraph links the cost spec (specs.apollo.dev/cost): demand control applies to
   * supergraphs whose subgraphs declare their list sizes. One that declares none (other teams'
   * graphs, the federation audit's) would be estimated at 10 items per list, nested lists
   * multiplying to refusals that stock @apollo/gateway never makes, so MAX_COST is not enforced
   * on it; the actual cost is still measured.
   */
  readonly declaresCosts: boolean;

  constructor(supergraphSdl: string) {
    const document = parse(supergraphSdl);
    this.schema = buildASTSchema(document, { assumeValidSDL: true, assumeValid: true });
    this.declaresCosts = document.definitions.some(
      (d) =>
        (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) &&
        (d.directives ?? []).some((x) => x.name.value === 'link' && String(arg(x, 'url')).startsWith('https://specs.apollo.dev/cost/')),
    );
  }

  static fromFile(path: string): CostEstimator {
    return new CostEstimator(readFileSync(path, 'utf8'));
  }

  estimate(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> = {}): number {
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
    if (!op) return 0;
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    const root =
      op.operation === OperationTypeNode.MUTATION
        ? this.schema.getMutationType()
        : op.operation === OperationTypeNode.SUBSCRIPTION
          ? this.schema.getSubscriptionType()
          : this.schema.getQueryType();
    if (!root) return 0;
    const ctx = { fragments, variables, seen: new Set<string>() };
    const base = this.selections(op.selectionSet, root, ctx, undefined);
    const mutations = op.operation === OperationTypeNode.MUTATION ? this.fieldsOf(op.selectionSet, ctx).length * MUTATION_COST : 0;
    return base + mutations;
  }

  /**
   * The actual cost of an answer: the same weights, with the lists' real lengths instead of
   * their estimated sizes. Fields absent from the data (other fragments, nulls) cost nothing.
   * The weights are looked up once per document and operation (`compiled`): the walk over the
   * answer, which is as large as the answer, only adds.
   */
  actual(document: DocumentNode, operationName: string | null | undefined, data: Record<string, unknown> | null | undefined): number {
    const compiled = this.compiled(document, operationName);
    if (!compiled || !data) return 0;
    return actualOf(compiled.fields, data) + compiled.mutations;
  }

  private readonly compiledOps = new WeakMap<DocumentNode, Map<string, Compiled | null>>();

  private compiled(document: DocumentNode, operationName: string | null | undefined): Compiled | null {
    let byName = this.compiledOps.get(document);
    if (!byName) this.compiledOps.set(document, (byName = new Map<string, Compiled | null>()));
    const name = operationName ?? '';
    let c = byName.get(name);
    if (c === undefined) byName.set(name, (c = this.compile(document, operationName)));
    return c;
  }

  private compile(document: DocumentNode, operationName: string | null | undefined): Compiled | null {
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
    if (!op) return null;
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    const root = op.operation === OperationTypeNode.MUTATION ? this.schema.getMutationType() : this.schema.getQueryType();
    if (!root) return null;
    const ctx = { fragments, variables: {}, seen: new Set<string>() };
    const mutations = op.operation === OperationTypeNode.MUTATION ? this.fieldsOf(op.selectionSet, ctx).length * MUTATION_COST : 0;
    return { fields: this.compileSet(op.selectionSet, root, ctx, []), mutations };
  }

  /** A selection set's fields with their weights, fragments spread in place (as the answer has them). */
  private compileSet(set: SelectionSetNode, parent: GraphQLCompositeType, ctx: Ctx, out: CostField[]): CostField[] {
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? this.schema.getType(s.typeCondition.name.value) : parent;
        if (on && isCompositeType(on)) this.compileSet(s.selectionSet, on, ctx, out);
        continue;
      }
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = ctx.fragments.get(s.name.value);
        const on = f && this.schema.getType(f.typeCondition.name.value);
        if (f && on && isCompositeType(on) && !ctx.seen.has(f.name.value)) {
          ctx.seen.add(f.name.value);
          this.compileSet(f.selectionSet, on, ctx, out);
          ctx.seen.delete(f.name.value);
        }
        continue;
      }
      if (s.name.value.startsWith('__')) continue;
      const def = 'getFields' in parent ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[s.name.value] : undefined;
      if (!def) continue;
      const named = getNamedType(def.type);
      const own = weightOf(def.astNode?.directives) ?? (isCompositeType(named) ? (weightOf(named.astNode?.directives) ?? 1) : 0);
      const children = s.selectionSet && isCompositeType(named) ? this.compileSet(s.selectionSet, named, ctx, []) : undefined;
      out.push({ key: s.alias?.value ?? s.name.value, own, children });
    }
    return out;
  }

  private fieldsOf(set: SelectionSetNode, ctx: Ctx): FieldNode[] {
    return set.selections.flatMap((s) => {
      if (s.kind === Kind.FIELD) return [s];
      if (s.kind === Kind.INLINE_FRAGMENT) return this.fieldsOf(s.selectionSet, ctx);
      const f = ctx.fragments.get(s.name.value);
      return f ? this.fieldsOf(f.selectionSet, ctx) : [];
    });
  }

  /** The cost of a selection set on `parent`; `sized` carries a parent's list size to its sized fields. */
  private selections(set: SelectionSetNode, parent: GraphQLCompositeType, ctx: Ctx, sized: { fields: string[]; size: number } | undefined): number {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? this.schema.getType(s.typeCondition.name.value) : parent;
        if (on && isCompositeType(on)) total += this.selections(s.selectionSet, on, ctx, sized);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = ctx.fragments.get(s.name.value);
        // A fragment spread inside itself is invalid GraphQL; validation refuses it anyway.
        if (!f || ctx.seen.has(f.name.value)) continue;
        const on = this.schema.getType(f.typeCondition.name.value);
        ctx.seen.add(f.name.value);
        if (on && isCompositeType(on)) total += this.selections(f.selectionSet, on, ctx, sized);
        ctx.seen.delete(f.name.value);
      } else {
        total += this.field(s, parent, ctx, sized);
      }
    }
    return total;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType, ctx: Ctx, sized: { fields: string[]; size: number } | undefined): number {
    if (node.name.value.startsWith('__')) return 0;
    const def = 'getFields' in parent ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[node.name.value] : undefined;
    if (!def) return 0;
    const named = getNamedType(def.type);
    const fieldWeight = weightOf(def.astNode?.directives);
    const typeWeight = isCompositeType(named) ? (weightOf(named.astNode?.directives) ?? 1) : 0;
    const own = fieldWeight ?? typeWeight;
    const children = node.selectionSet && isCompositeType(named) ? this.selections(node.selectionSet, named, ctx, undefined) : 0;
    const argCost = (def.args ?? []).reduce((sum, a) => sum + (weightOf(a.astNode?.directives) ?? 0), 0);

    const listSize = listSizeOf(def.astNode?.directives);
    const size = this.sizeFrom(listSize, node, def, ctx);
    // A connection: its list size applies to its sized fields (edges), not to itself.
    if (listSize?.sizedFields.length && node.selectionSet && isCompositeType(named)) {
      const inner = this.selections(node.selectionSet, named, ctx, { fields: listSize.sizedFields, size });
      return own + inner + argCost;
    }
    const multiplier = isListType(getNullableType(def.type)) ? (sized?.fields.includes(node.name.value) ? sized.size : listSize ? size : DEFAULT_LIST_SIZE) : 1;
    return multiplier * (own + children) + argCost;
  }

  private sizeFrom(listSize: ListSize | undefined, node: FieldNode, def: GraphQLField<unknown, unknown>, ctx: Ctx): number {
    if (!listSize) return DEFAULT_LIST_SIZE;
    const given = listSize.slicingArguments
      .map((name) => {
        const arg = node.arguments?.find((a) => a.name.value === name);
        const value = arg ? valueFromASTUntyped(arg.value, ctx.variables) : undefined;
        return typeof value === 'number' ? value : Array.isArray(value) ? value.length : undefined;
      })
      .filter((v): v is number => v !== undefined);
    if (given.length) return Math.max(...given);
    // The argument's default (e.g. `first: Int! = 10`) when the operation leaves it out.
    const defaults = listSize.slicingArguments
      .map((name) => def.args.find((a) => a.name === name)?.defaultValue)
      .filter((v): v is number => typeof v === 'number');
    return defaults.length ? Math.max(...defaults) : (listSize.assumedSize ?? DEFAULT_LIST_SIZE);
  }
}

type Ctx = { fragments: Map<string, FragmentDefinitionNode>; variables: Record<string, unknown>; seen: Set<string> };

function arg(d: DirectiveNode, name: string): unknown {
  const a = d.arguments?.find((x) => x.name.value === name);
  return a ? valueFromASTUntyped(a.value) : undefined;
}

function weightOf(directives: readonly DirectiveNode[] | undefined): number | undefined {
  const d = directives?.find((x) => x.name.value === 'cost');
  const w = d ? arg(d, 'weight') : undefined;
  return typeof w === 'number' ? w : undefined;
}

function listSizeOf(directives: readonly DirectiveNode[] | undefined): ListSize | undefined {
  const d = directives?.find((x) => x.name.value === 'listSize');
  if (!d) return undefined;
  const assumed = arg(d, 'assumedSize');
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  // Marquee's composed @listSizeFromArgument(name:) names a list argument whose length is the
  // size (composition refuses non-Int slicing arguments); sizeFrom reads a list's length.
  const fromArgument = directives?.find((x) => x.name.value === 'listSizeFromArgument');
  const byLength = fromArgument ? strings([arg(fromArgument, 'name')]) : [];
  return {
    assumedSize: typeof assumed === 'number' ? assumed : undefined,
    slicingArguments: [...strings(arg(d, 'slicingArguments')), ...byLength],
    sizedFields: strings(arg(d, 'sizedFields')),
  };
}

export const COST_LIMIT_EXCEEDED = 'COST_LIMIT_EXCEEDED';

export function costLimitError(estimated: number, max: number): GraphQLError {
  return new GraphQLError(`Operation cost ${estimated} exceeds the limit of ${max}. Ask for fewer or smaller lists (first, page sizes, ids).`, {
    extensions: { code: COST_LIMIT_EXCEEDED, cost: { estimated, max }, http: { status: 400 } },
  });
}

/** One field of a compiled selection: its response key, its own weight, its fields (composite types). */
interface CostField {
  key: string;
  own: number;
  children: CostField[] | undefined;
}

interface Compiled {
  fields: CostField[];
  mutations: number;
}

/** The actual cost of `data` under compiled fields: each non-null value its weight, lists element by element. */
function actualOf(fields: CostField[], data: Record<string, unknown>): number {
  let total = 0;
  for (const f of fields) {
    const value = data[f.key];
    if (value !== undefined && value !== null) total += valueCost(f, value);
  }
  return total;
}

function valueCost(f: CostField, v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (Array.isArray(v)) {
    let sum = 0;
    for (const x of v) sum += valueCost(f, x);
    return sum;
  }
  return f.own + (f.children && typeof v === 'object' ? actualOf(f.children, v as Record<string, unknown>) : 0);
}
