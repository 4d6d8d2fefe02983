import {
  assert,
  ERRORS,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type CompositeType,
  type Directive,
  type Operation,
  type OperationElement,
  type OutputType,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * `@apollo/gateway`'s last step, `computeResponse` (its resultShaping module): the final response
 * is built by walking the client's operation over the merged subgraph data. Same algorithm, same
 * results and errors, but without allocating on every field: Apollo's version passes and returns
 * an object per field and per list element, builds an assertion closure per value, filters each
 * selection's directives twice looking for @skip/@include, fills then maps every list, and
 * makes every output object a null-prototype one (a hash table in V8: see setOwn). On
 * the W1 benchmark that was half of all the bytes the gateway allocated, and a fifth of its CPU
 * went to garbage collection.
 *
 * `install()` puts it in place of Apollo's: executeQueryPlan calls `resultShaping_1.computeResponse`
 * through the module's exports object at each request. Tests check that this is still so, and
 * compare both functions' outputs on real plans and hostile data (tests/unit/result-shaping.test.ts);
 * @apollo/gateway is pinned to an exact version.
 */

type ResponsePath = (string | number)[];
type Data = Record<string, unknown>;

interface Parameters {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: (introspectionSelection: unknown) => unknown;
}

export interface ComputeResponseArgs {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Data | null | undefined;
  introspectionHandling: (introspectionSelection: never) => unknown;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

// updateOutputValue's two flags, read by its caller right after each call (instead of a result
// object per value). Set on every return path.
let isInvalid = false;
let hasErrors = false;

/**
 * Output objects are plain `{}`: Apollo's `Object.create(null)` objects are hash tables in V8
 * (each several times larger, and slower to fill) where objects of the same selection share one
 * shape. What the null prototype guarded against is kept: existing values are read as own
 * properties only (an alias `constructor` must not see Object.prototype's), and the one key an
 * assignment would misread, `__proto__` (a valid alias), is defined as a property instead.
 */
function own(output: Data, key: string): unknown {
  return Object.hasOwn(output, key) ? output[key] : undefined;
}

function setOwn(output: Data, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(output, key, { value, writable: true, enumerable: true, configurable: true });
  else output[key] = value;
}

export function computeResponse({ operation, variables, input, introspectionHandling }: ComputeResponseArgs): {
  data: Data | null | undefined;
  errors: GraphQLError[];
} {
  if (!input) return { data: input, errors: [] };
  const parameters: Parameters = {
    schema: operation.schema(),
    variables: { __proto__: null, ...operation.collectDefaultedVariableValues(), ...variables },
    errors: [],
    introspectionHandling: introspectionHandling as Parameters['introspectionHandling'],
  };
  const data: Data = {};
  const res = applySelectionSet(input, operation.selectionSet, data, parameters, [], operation.schema().schemaDefinition.rootType(operation.rootKind)!);
  return { data: res === NULL_BUBBLE_UP ? null : data, errors: parameters.errors };
}

function shouldSkip(element: OperationElement, parameters: Parameters): boolean {
  // Nearly every selection has no directive at all.
  if (element.appliedDirectives.length === 0) return false;
  const skip = element.appliedDirectivesOf(parameters.schema.skipDirective())[0];
  const include = element.appliedDirectivesOf(parameters.schema.includeDirective())[0];
  return Boolean((skip && ifValue(skip, parameters.variables)) || (include && !ifValue(include, parameters.variables)));
}

function ifValue(directive: Directive<OperationElement, { if: boolean | Variable }>, variables: Record<string, unknown>): boolean {
  const ifArg = directive.arguments().if;
  if (ifArg instanceof Variable) {
    const value = variables[ifArg.name];
    if (value === undefined || typeof value !== 'boolean')
      assert(false, () => `Unexpected value ${String(value)} for variable ${ifArg.toString()} of ${directive.toString()}`);
    return value;
  }
  return ifArg;
}

function typeConditionApplies(schema: Schema, typeCondition: CompositeType | undefined, typename: string | undefined, parentType: CompositeType): boolean {
  if (!typeCondition) return true;
  if (typename) {
    const type = schema.type(typename);
    return !!type && isSubtype(typeCondition, type);
  }
  return isSubtype(typeCondition, parentType);
}

function applySelectionSet(
  input: Data,
  selectionSet: SelectionSet,
  output: Data,
  parameters: Parameters,
  path: ResponsePath,
  parentType: CompositeType,
): number {
  for (const selection of selectionSet.selections()) {
    if (shouldSkip(selection.element, parameters)) continue;
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      const responseName = field.responseName();
      const outputValue = own(output, responseName);
      if (field.definition.isSchemaIntrospectionField()) {
        if (outputValue === undefined) setOwn(output, responseName, parameters.introspectionHandling(selection));
        continue;
      }
      let inputValue = (Object.hasOwn(input, responseName) ? input[responseName] : undefined) ?? null;
      if (field.name === typenameFieldName) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (parameters.schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          setOwn(output, responseName, type.name);
        }
        continue;
      }
      path.push(responseName);
      const updated = updateOutputValue(outputValue, field.definition.type!, inputValue, selection.selectionSet, path, parameters, parentType);
      const invalid = isInvalid;
      setOwn(output, responseName, updated);
      path.pop();
      if (invalid) return NULL_BUBBLE_UP;
    } else {
      const fragment = selection.element;
      const typename = input[typenameFieldName];
      if (typename && typeof typename !== 'string') assert(false, () => `Got unexpected value for __typename: ${JSON.stringify(typename)}`);
      if (typeConditionApplies(parameters.schema, fragment.typeCondition, typename as string | undefined, parentType)) {
        const res = applySelectionSet(input, selection.selectionSet, output, parameters, path, fragment.typeCondition ?? parentType);
        if (res === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

function pathLastElementDescription(path: ResponsePath, currentType: Type, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType.toString()}.${element}` : `array element of type ${currentType.toString()} at index ${element}`;
}

function done(value: unknown, invalid: boolean, errors: boolean): unknown {
  isInvalid = invalid;
  hasErrors = errors;
  return value;
}

function updateOutputValue(
  outputValue: unknown,
  type: OutputType,
  inputValue: unknown,
  selectionSet: SelectionSet | undefined,
  path: ResponsePath,
  parameters: Parameters,
  parentType: CompositeType,
): unknown {
  if (inputValue === undefined) assert(false, 'Should not pass undefined for `inputValue` to this method');
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return done(outputValue, false, false);

  if (isNonNullType(type)) {
    const updated = updateOutputValue(outputValue, type.ofType as OutputType, inputValue, selectionSet, path, parameters, parentType);
    if (updated === null) {
      if (!hasErrors) {
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${pathLastElementDescription(path, type.ofType as OutputType, parentType)}.`, {
            path: Array.from(path),
          }),
        );
      }
      return done(updated, true, true);
    }
    // As Apollo's: a non-null value reports no errors upwards.
    return done(updated, false, false);
  }

  if (inputValue === null) return done(null, false, false);

  if (isListType(type)) {
    if (!Array.isArray(inputValue))
      assert(false, () => `Invalid non-list value ${JSON.stringify(inputValue)} returned by subgraph for list type ${type.toString()}`);
    if (outputValue !== undefined && !Array.isArray(outputValue))
      assert(false, () => `Invalid non-list value ${JSON.stringify(outputValue)} returned by subgraph for list type ${type.toString()}`);
    const input = inputValue as unknown[];
    const existing = outputValue as unknown[] | undefined;
    if (existing !== undefined && input.length !== existing.length) {
      assert(false, () => `[${input.toString()}].length (${input.length}) !== [${existing.toString()}].length (${existing.length})`);
    }
    let shouldNullify = false;
    let anyErrors = false;
    const updated = new Array<unknown>(input.length);
    for (let idx = 0; idx < input.length; idx++) {
      path.push(idx);
      updated[idx] = updateOutputValue(
        existing === undefined ? undefined : existing[idx],
        type.ofType as OutputType,
        input[idx],
        selectionSet,
        path,
        parameters,
        parentType,
      );
      path.pop();
      shouldNullify ||= isInvalid;
      anyErrors ||= hasErrors;
    }
    return done(shouldNullify ? null : updated, false, anyErrors);
  }

  if (isCompositeType(type)) {
    if (!selectionSet) assert(false, () => `Invalid empty selection set for composite type ${type.toString()}`);
    if (typeof inputValue !== 'object')
      assert(false, () => `Invalid non-object value ${JSON.stringify(inputValue)} returned by subgraph for composite type ${type.toString()}`);
    if (outputValue !== undefined && typeof outputValue !== 'object')
      assert(false, () => `Invalid non-object value ${JSON.stringify(inputValue)} returned by subgraph for composite type ${type.toString()}`);
    const input = inputValue as Data;
    const inputTypename = input[typenameFieldName];
    if (inputTypename !== undefined && typeof inputTypename !== 'string')
      assert(false, () => `Invalid non-string value ${JSON.stringify(inputTypename)} for __typename at ${path.toString()}`);
    let objType: CompositeType = type;
    if (inputTypename) {
      const typenameType = parameters.schema.type(inputTypename);
      if (!typenameType || !isCompositeType(typenameType)) {
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${pathLastElementDescription(path, type, parentType)}.`, {
            path: Array.from(path),
          }),
        );
        return done(null, false, true);
      }
      objType = typenameType;
    }
    const outputObject = outputValue === undefined ? ({} as Data) : (outputValue as Data);
    const res = applySelectionSet(input, selectionSet, outputObject, parameters, path, objType);
    const bubbled = res === NULL_BUBBLE_UP;
    return done(bubbled ? null : outputObject, false, bubbled);
  }

  if (outputValue !== undefined) assert(false, () => `Excepted output to be undefined but got ${type.toString()} for type ${type.toString()}`);
  const isValid = isValidLeafValue(parameters.schema, inputValue, type);
  if (!isValid) {
    parameters.errors.push(
      ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${pathLastElementDescription(path, type, parentType)}.`, { path: Array.from(path) }),
    );
  }
  return done(isValid ? inputValue : null, false, !isValid);
}

/** The module of @apollo/gateway whose `computeResponse` executeQueryPlan calls. */
export const APOLLO_RESULT_SHAPING = '@apollo/gateway/dist/resultShaping';

/** Puts computeResponse in place of Apollo's (see above); returns Apollo's, for comparison in tests. */
export function install(): (args: ComputeResponseArgs) => { data: Data | null | undefined; errors: GraphQLError[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Apollo's CommonJS module object, whose export is replaced
  const mod = require(APOLLO_RESULT_SHAPING) as { computeResponse: typeof computeResponse };
  const original = mod.computeResponse;
  if (typeof original !== 'function') throw new Error(`${APOLLO_RESULT_SHAPING} has no computeResponse`);
  mod.computeResponse = computeResponse;
  return original;
}
