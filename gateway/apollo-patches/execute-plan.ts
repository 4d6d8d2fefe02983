import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { ConditionNode, FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import {
  executeSync,
  GraphQLError,
  Kind,
  OperationTypeNode,
  TypeNameMetaFieldDef,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';
import { unfoldErrors } from '../subgraph-client/representations';

/**
 * `executeQueryPlan` of `@apollo/gateway` (its executeQueryPlan module): runs the plan's fetches,
 * merges their answers into one tree, then shapes the response. Same steps, same results and
 * errors, less work per entity on large, deep answers:
 *
 * - **each entity object once per fetch.** Apollo builds, sends, and merges back one
 *   representation per entity it finds at the fetch's path, however often it finds the same
 *   object. Once an earlier answer has been merged into several places (repeated representations
 *   get one answer: subgraph-client/representations.ts), the same object sits at all of them; this
 *   builds its representation and merges its answer once. Errors at `_entities.<i>` are given
 *   again for every position Apollo would have sent (in position order), so the response's
 *   errors and their paths are Apollo's.
 * - **paths walked without copies**: Apollo's flattenResultsAtPath copies the rest of the path at
 *   every element of every list on the way (`[current, ...rest]`), and its cursor objects; this
 *   walks by index.
 * - **no usage-report trace nodes** when no trace is captured: Apollo builds a protobuf node per
 *   plan node on every request and drops them. With traces captured (Apollo usage reporting) the
 *   request runs Apollo's own executeQueryPlan, as do plans with @defer or a subscription.
 *
 * Everything else is Apollo's, called through the same module objects Apollo's code reads at
 * call time, so the other patches apply (operation-cache, result-shaping, deep-merge) or not:
 * OpenTelemetry spans and exception recording, operationFromDocument, computeResponse, deepMerge,
 * rewrites, error paths (generateHydratedPaths), downstream errors and their codes.
 *
 * `install()` puts it in place of Apollo's on the module object the gateway calls
 * (`executeQueryPlan_1.executeQueryPlan`); tests/unit/execute-plan.test.ts compares it with
 * Apollo's on real plans, and checks that the gateway still calls it through that object.
 */

type Data = Record<string, unknown>;
type ServiceMap = Record<string, { process(options: unknown): Promise<{ data?: Data | null; errors?: readonly SubgraphError[]; extensions?: Data }> }>;
type SubgraphError = { message?: string; path?: ResponsePath; extensions?: Data };
type OperationContextLike = {
  schema: GraphQLSchema;
  operation: { operation: OperationTypeNode; variableDefinitions?: readonly VariableDefinitionNode[]; selectionSet: unknown };
  fragments: Record<string, unknown>;
};
type Schema = { kind?: unknown };
type TelemetryConfig = unknown;
type Operation = { variableDefinitions: unknown };

export type ExecuteQueryPlan = (
  queryPlan: QueryPlan,
  serviceMap: ServiceMap,
  requestContext: GatewayGraphQLRequestContext,
  operationContext: OperationContextLike,
  supergraphSchema: GraphQLSchema,
  apiSchema: Schema,
  telemetryConfig?: TelemetryConfig,
) => Promise<GatewayExecutionResult>;

/* eslint-disable @typescript-eslint/no-require-imports -- the live module objects Apollo's own executeQueryPlan reads at call time (patched or not) */
const otel = require('@apollo/gateway/dist/utilities/opentelemetry') as {
  tracer: {
    startActiveSpan<T>(name: string, fn: (span: Span) => T): T;
    startActiveSpan<T>(name: string, options: { attributes: Record<string, string> }, fn: (span: Span) => T): T;
  };
  OpenTelemetrySpanNames: { EXECUTE: string; FETCH: string; POST_PROCESSING: string };
  recordExceptions(span: Span, exceptions: readonly unknown[], config: TelemetryConfig): void;
};
const shaping = require('@apollo/gateway/dist/resultShaping') as {
  computeResponse(args: { operation: Operation; variables?: Data; input: Data; introspectionHandling: (f: IntrospectionField) => unknown }): {
    data: Data | null | undefined;
    errors: GraphQLError[];
  };
};
const merging = require('@apollo/gateway/dist/utilities/deepMerge') as { deepMerge(target: unknown, source: unknown): unknown };
const rewrites = require('@apollo/gateway/dist/dataRewrites') as {
  applyRewrites(schema: GraphQLSchema, rewrites: FetchNode['outputRewrites'], value: unknown): void;
  isObjectOfType(schema: GraphQLSchema, obj: Data, typeCondition: string): boolean;
};
const apolloExecution = require('@apollo/gateway/dist/executeQueryPlan') as {
  executeQueryPlan: ExecuteQueryPlan;
  generateHydratedPaths(parent: ResponsePath, path: ResponsePath, data: unknown, result: ResponsePath[]): void;
};
const requestKinds = require('@apollo/gateway/dist/datasources/types') as { GraphQLDataSourceRequestKind: { INCOMING_OPERATION: unknown } };
const planner = require('@apollo/query-planner') as { evaluateCondition(node: ConditionNode, defs: unknown, values: Data | undefined): boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

interface Internals {
  assert(condition: unknown, message: string | (() => string)): asserts condition;
  operationFromDocument(schema: Schema, document: DocumentNode, options: { validate: boolean }): Operation;
  errorCodeDef(e: unknown): { err(message: string, options: unknown): GraphQLError } | undefined;
  ERRORS: { DOWNSTREAM_SERVICE_ERROR: { err(message: string, options: unknown): GraphQLError } };
}
/** Read when installed (after flatten-exports, so its plain export object, where operation-cache writes). */
let fi: Internals;

type IntrospectionField = { expandFragments(): { toSelectionNode(): FieldNode } };

interface ExecutionContext {
  serviceMap: ServiceMap;
  requestContext: GatewayGraphQLRequestContext;
  operationContext: OperationContextLike;
  operation: Operation;
  supergraphSchema: GraphQLSchema;
  errors: GraphQLError[];
  telemetryConfig: TelemetryConfig;
}

interface Cursor {
  path: ResponsePath;
  data: unknown;
  fullResult: Data;
}

/** Plans this runs: no @defer, no subscription (Apollo's own code answers those). */
const runnable = new WeakMap<QueryPlan, boolean>();

function isRunnable(node: PlanNode | undefined): boolean {
  if (!node) return true;
  switch (node.kind) {
    case 'Fetch':
      return true;
    case 'Flatten':
      return isRunnable(node.node);
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every(isRunnable);
    case 'Condition':
      return isRunnable(node.ifClause) && isRunnable(node.elseClause);
    default:
      return false;
  }
}

function planIsRunnable(plan: QueryPlan): boolean {
  let r = runnable.get(plan);
  if (r === undefined) {
    r = !plan.node || (plan.node.kind !== 'Subscription' && isRunnable(plan.node));
    runnable.set(plan, r);
  }
  return r;
}

/** executeQueryPlan, falling back to Apollo's (`original`) where traces are captured or the plan is not runnable here. */
export function makeExecuteQueryPlan(original: ExecuteQueryPlan): ExecuteQueryPlan {
  return (queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig) => {
    const captureTraces = !!requestContext.metrics?.captureTraces;
    if (captureTraces || !planIsRunnable(queryPlan)) {
      return original(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig);
    }
    return execute(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig);
  };
}

const execute: ExecuteQueryPlan = (queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig) => {
  const logger = requestContext.logger || console;
  return otel.tracer.startActiveSpan(otel.OpenTelemetrySpanNames.EXECUTE, async (span: Span) => {
    try {
      const errors: GraphQLError[] = [];
      let operation: Operation;
      try {
        operation = fi.operationFromDocument(
          apiSchema,
          { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] } as DocumentNode,
          { validate: false },
        );
      } catch (err) {
        if (err instanceof GraphQLError) return { errors: [err] };
        throw err;
      }
      const context: ExecutionContext = { serviceMap, requestContext, operationContext, operation, supergraphSchema, errors, telemetryConfig };
      const unfilteredData = Object.create(null) as Data;
      if (queryPlan.node) await executeNode(context, queryPlan.node as PlanNode, { path: [], data: unfilteredData, fullResult: unfilteredData });
      const result = await otel.tracer.startActiveSpan(otel.OpenTelemetrySpanNames.POST_PROCESSING, async (span: Span): Promise<GatewayExecutionResult> => {
        let data: Data | null | undefined;
        try {
          const variables = requestContext.request.variables;
          const shaped = shaping.computeResponse({
            operation,
            variables,
            input: unfilteredData,
            introspectionHandling: (f) =>
              executeIntrospection(operationContext.schema, f.expandFragments().toSelectionNode(), operationContext.operation.variableDefinitions, variables),
          });
          data = shaped.data;
          if (errors.length === 0 && shaped.errors.length > 0) {
            otel.recordExceptions(span, shaped.errors, telemetryConfig);
            span.setStatus({ code: SpanStatusCode.ERROR });
            return { extensions: { valueCompletion: shaped.errors }, data };
          }
        } catch (error) {
          otel.recordExceptions(span, [error], telemetryConfig);
          span.setStatus({ code: SpanStatusCode.ERROR });
          if (error instanceof GraphQLError) return { errors: [error] };
          if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
          logger.error('Unexpected error during query plan execution: ' + String(error));
          return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
        } finally {
          span.end();
        }
        return errors.length === 0 ? { data } : { errors, data };
      });
      if (result.errors) {
        otel.recordExceptions(span, result.errors, telemetryConfig);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    } catch (err) {
      otel.recordExceptions(span, [err], telemetryConfig);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
};

async function executeNode(context: ExecutionContext, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(context, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(context, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(context, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch':
      try {
        await executeFetch(context, node, cursor);
      } catch (error) {
        context.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const condition = planner.evaluateCondition(node, context.operation.variableDefinitions, context.requestContext.request.variables);
      const picked = condition ? node.ifClause : node.elseClause;
      if (picked) await executeNode(context, picked, cursor);
      return;
    }
    default:
      // Not reached: such plans run Apollo's own code (planIsRunnable).
      fi.assert(false, `@defer support is not available in the gateway`);
  }
}

function isNotNullOrUndefined(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/** Each entity at the fetch's path once (by identity), with where Apollo's representation numbering puts its repeats. */
interface Distinct {
  objects: Data[];
  representations: Data[];
  /** For each representation Apollo would send (its index), the index of ours. */
  positions: number[];
}

function distinctRepresentations(schema: GraphQLSchema, fetch: FetchNode, entities: unknown[]): Distinct {
  const requires = fetch.requires!;
  const seen = new Map<unknown, number>();
  const objects: Data[] = [];
  const representations: Data[] = [];
  const positions: number[] = [];
  for (const entity of entities) {
    let at = seen.get(entity);
    if (at === undefined) {
      const representation = executeSelectionSet(schema, entity as Data, requires);
      if (representation && representation[TypeNameMetaFieldDef.name]) {
        rewrites.applyRewrites(schema, fetch.inputRewrites, representation);
        at = representations.length;
        representations.push(representation);
        objects.push(entity as Data);
      } else {
        at = -1;
      }
      seen.set(entity, at);
    }
    if (at >= 0) positions.push(at);
  }
  return { objects, representations, positions };
}

async function executeFetch(context: ExecutionContext, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = context.serviceMap[fetch.serviceName];
  return otel.tracer.startActiveSpan(otel.OpenTelemetrySpanNames.FETCH, { attributes: { service: fetch.serviceName } }, async (span: Span) => {
    try {
      if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
      const entities: unknown[] = Array.isArray(cursor.data) ? cursor.data.filter(isNotNullOrUndefined) : [cursor.data];
      if (entities.length < 1) return;
      const variables = Object.create(null) as Data;
      if (fetch.variableUsages) {
        const provided = context.requestContext.request.variables;
        for (const name of fetch.variableUsages) {
          if (provided && Object.prototype.hasOwnProperty.call(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
        }
      }
      if (!fetch.requires) {
        const received = await sendOperation(variables, undefined);
        if (received) rewrites.applyRewrites(context.supergraphSchema, fetch.outputRewrites, received);
        for (const entity of entities) merging.deepMerge(entity, received);
        return;
      }
      const distinct = distinctRepresentations(context.supergraphSchema, fetch, entities);
      if (distinct.representations.length < 1) return;
      if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
      const folded = distinct.representations.length < distinct.positions.length;
      const received = await sendOperation({ ...variables, representations: distinct.representations }, folded ? distinct.positions : undefined);
      if (!received) return;
      if (!(received._entities && Array.isArray(received._entities))) throw new Error(`Expected "data._entities" in response to be an array`);
      const receivedEntities = received._entities as unknown[];
      // Apollo's check and message, in its numbering (one representation per entity found).
      if (receivedEntities.length !== distinct.representations.length)
        throw new Error(`Expected "data._entities" to contain ${distinct.positions.length} elements`);
      for (let i = 0; i < receivedEntities.length; i++) {
        const receivedEntity = receivedEntities[i] as Data | null | undefined;
        const existing = distinct.objects[i];
        if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existing.__typename;
        rewrites.applyRewrites(context.supergraphSchema, fetch.outputRewrites, receivedEntity);
        merging.deepMerge(existing, receivedEntity);
      }
    } catch (err) {
      otel.recordExceptions(span, [err], context.telemetryConfig);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });

  /** Sends the operation; errors at `_entities.<i>` are unfolded to Apollo's numbering (`positions`) first. */
  async function sendOperation(variables: Data, positions: number[] | undefined): Promise<Data | null | undefined> {
    const response = await service.process({
      kind: requestKinds.GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName, http: undefined },
      incomingRequestContext: context.requestContext,
      context: context.requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    });
    const responseErrors = response.errors && positions ? unfoldErrors(response.errors, positions) : response.errors;
    if (responseErrors) {
      const errorPath = lazyErrorPath(fetch, cursor);
      context.errors.push(...responseErrors.map((error) => downstreamServiceError(error, fetch.serviceName, errorPath)));
      if (!response.extensions?.ftv1) {
        const errorPaths = responseErrors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
        const metrics = context.requestContext.metrics as { nonFtv1ErrorPaths?: { subgraph: string; path?: ResponsePath }[] };
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
        else metrics.nonFtv1ErrorPaths = errorPaths;
      }
    }
    return response.data;
  }
}

function lazyErrorPath(fetch: FetchNode, cursor: Cursor): (path: ResponsePath | undefined) => ResponsePath | undefined {
  let hydratedPaths: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydratedPaths) {
        hydratedPaths = [];
        apolloExecution.generateHydratedPaths([], cursor.path, cursor.fullResult, hydratedPaths);
      }
      const hydratedPath = hydratedPaths[errorPath[1]] ?? [];
      return [...hydratedPath, ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
  };
}

function downstreamServiceError(
  originalError: SubgraphError,
  serviceName: string,
  errorPath: (path: ResponsePath | undefined) => ResponsePath | undefined,
): GraphQLError {
  let { message } = originalError;
  const { extensions } = originalError;
  if (!message) message = `Error while fetching subquery from service "${serviceName}"`;
  const errorOptions = { originalError, path: errorPath(originalError.path), extensions: { ...extensions, serviceName } };
  const codeDef = fi.errorCodeDef(originalError);
  if (!codeDef && extensions?.code) return new GraphQLError(message, errorOptions as never);
  return (codeDef ?? fi.ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, errorOptions);
}

/** Apollo's executeSelectionSet: the representation of one entity, null when a required field is missing. */
function executeSelectionSet(schema: GraphQLSchema, source: Data | null, selections: readonly QueryPlanSelectionNode[]): Data | null {
  if (source === null) return null;
  const result = Object.create(null) as Data;
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const responseName = selection.alias ? selection.alias : selection.name;
      const sub = selection.selections;
      if (!Object.prototype.hasOwnProperty.call(source, responseName) || typeof source[responseName] === 'undefined') return null;
      const value = source[responseName];
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = sub ? executeSelectionSet(schema, value[i] as Data, sub) : value[i];
        result[responseName] = out;
      } else if (sub) {
        result[responseName] = executeSelectionSet(schema, value as Data, sub);
      } else {
        result[responseName] = value;
      }
    } else if (selection.kind === 'InlineFragment') {
      if (!selection.typeCondition || !source) continue;
      if (rewrites.isObjectOfType(schema, source, selection.typeCondition))
        merging.deepMerge(result, executeSelectionSet(schema, source, selection.selections));
    }
  }
  return result;
}

function moveIntoCursor(cursor: Cursor, pathInCursor: ResponsePath): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor, 0);
  return data ? { path: cursor.path.concat(pathInCursor), data, fullResult: cursor.fullResult } : undefined;
}

/** Apollo's flattenResultsAtPath, by index into the path instead of a copy of its rest at every step. */
function flattenResultsAtPath(value: unknown, path: ResponsePath, from: number): unknown {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') {
    if (!Array.isArray(value)) return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, from + 1));
    const out: unknown[] = [];
    for (const element of value) {
      const r = flattenResultsAtPath(element, path, from + 1);
      if (Array.isArray(r)) for (const x of r) out.push(x);
      else out.push(r);
    }
    return out;
  }
  fi.assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  fi.assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  const next = Object.prototype.hasOwnProperty.call(value, current) ? (value as Data)[current] : undefined;
  return flattenResultsAtPath(next, path, from + 1);
}

function collectUsedVariables(node: FieldNode): Set<string> {
  const used = new Set<string>();
  visit(node, {
    Variable: ({ name }) => {
      used.add(name.value);
    },
  });
  return used;
}

/** Apollo's executeIntrospection: a root introspection field, answered from the API schema. */
function executeIntrospection(
  schema: GraphQLSchema,
  selection: FieldNode,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
  variableValues: Data | undefined,
): unknown {
  const used = collectUsedVariables(selection);
  const usedDefinitions = variableDefinitions?.filter((def) => used.has(def.variable.name.value));
  fi.assert(
    used.size === (usedDefinitions?.length ?? 0),
    () => `Should have found all used variables ${[...used].join(',')} in definitions ${JSON.stringify(variableDefinitions)}`,
  );
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: usedDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
      },
    ],
  };
  const { data, errors } = executeSync({ schema, document, rootValue: {}, variableValues });
  fi.assert(
    !errors || errors.length === 0,
    () => `Introspection query for ${JSON.stringify(selection)} should not have failed but got ${JSON.stringify(errors)}`,
  );
  fi.assert(data, () => `Introspection query for ${JSON.stringify(selection)} should not have failed`);
  const key = selection.alias?.value ?? selection.name.value;
  return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
}

/** Puts this executeQueryPlan in place of Apollo's (kept for the cases above) on the module object the gateway calls. */
export function install(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the (flattened) exports object, read at call time
  fi = require('@apollo/federation-internals') as Internals;
  const original = apolloExecution.executeQueryPlan;
  apolloExecution.executeQueryPlan = makeExecuteQueryPlan(original);
}

/** Tests: this executeQueryPlan over a given original, without installing it. */
export function forTests(original: ExecuteQueryPlan): ExecuteQueryPlan {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as in install()
  fi ??= require('@apollo/federation-internals') as Internals;
  return makeExecuteQueryPlan(original);
}
