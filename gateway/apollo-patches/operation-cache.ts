import { Kind, type DefinitionNode, type DocumentNode } from 'graphql';
import type { Operation, Schema } from '@apollo/federation-internals';

/**
 * `@apollo/gateway` turns the client's operation into federation's `Operation` twice: once to
 * plan it (then cached with the plan) and again on every execution, for result shaping
 * (executeQueryPlan: `operationFromDocument(apiSchema, { definitions: [operation, ...fragments] },
 * { validate: false })`). The second one rebuilds the same immutable object for every request
 * of an operation the server has already parsed — ~2 % of the gateway's CPU on W1 and 6 % of its
 * allocations. Apollo Server keeps parsed documents, so the definitions are the same objects
 * from one request to the next: this remembers the result by them (and by the schema, so a new
 * supergraph builds anew).
 *
 * Only that call is remembered: `validate: false` with an operation first. The planning call
 * validates, and goes through unchanged.
 */
type OperationFromDocument = (schema: Schema, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => Operation;

interface Remembered {
  definitions: readonly DefinitionNode[];
  operationName: string | undefined;
  operation: Operation;
}

export function rememberOperations(original: OperationFromDocument): OperationFromDocument {
  const bySchema = new WeakMap<Schema, WeakMap<DefinitionNode, Remembered>>();
  return (schema, document, options) => {
    const first = document.definitions[0];
    if (options?.validate !== false || first?.kind !== Kind.OPERATION_DEFINITION) return original(schema, document, options);
    let byOperation = bySchema.get(schema);
    if (!byOperation) bySchema.set(schema, (byOperation = new WeakMap()));
    const hit = byOperation.get(first);
    const defs = document.definitions;
    if (hit && hit.operationName === options.operationName && hit.definitions.length === defs.length && hit.definitions.every((d, i) => d === defs[i])) {
      return hit.operation;
    }
    const operation = original(schema, document, options);
    byOperation.set(first, { definitions: [...defs], operationName: options.operationName, operation });
    return operation;
  };
}

/**
 * Puts rememberOperations in front of federation's operationFromDocument, for every package that
 * reads it from the (flattened) exports at call time. Where the exports are still TypeScript's
 * getters — flattenExports had no effect, as when OpenTelemetry's require hooks hand out their
 * own copy — it changes nothing and says so (false).
 */
export function install(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the live CommonJS exports object, whose property is replaced
  const internals = require('@apollo/federation-internals') as { operationFromDocument: OperationFromDocument };
  if (!Object.getOwnPropertyDescriptor(internals, 'operationFromDocument')?.writable) return false;
  internals.operationFromDocument = rememberOperations(internals.operationFromDocument);
  return true;
}
