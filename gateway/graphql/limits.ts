import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { GatewayConfig } from '../config';

/** The codes of the operation limits (HTTP 400); the token limit is an HTTP step (pipeline/token-limit.ts). */
export type LimitCode = 'QUERY_TOO_DEEP' | 'TOO_MANY_ALIASES' | 'TOO_MANY_DIRECTIVES';

export const LIMIT_ERROR_CODES = ['QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'TOO_MANY_DIRECTIVES', 'TOO_MANY_TOKENS', 'COST_LIMIT_EXCEEDED'];

/**
 * A refusal by one of graphql-armor's rules, reported as a validation error. Apollo wraps it
 * (GRAPHQL_VALIDATION_FAILED, HTTP 400) and keeps it as the original error, where the gateway's
 * error formatting finds its code (errors.ts).
 */
export class OperationLimitError extends GraphQLError {
  constructor(
    readonly limit: LimitCode,
    message: string,
  ) {
    super(message, { extensions: { code: limit } });
  }
}

// Each rule's callback options (typed in @escape.tech/graphql-armor-types, which armor does not re-export).
type RejectionOptions = Pick<NonNullable<NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>['maxDepth']>, 'onReject' | 'propagateOnRejection'>;

/**
 * Each rule reports its refusal through its onReject callback, tagged with the rule's code, instead
 * of throwing (propagateOnRejection: false): armor's own Apollo reporter would give every rule
 * the same code, leaving only the message to tell them apart.
 */
function tagged(limit: LimitCode): RejectionOptions {
  return {
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        // Apollo always validates with a context; without one, refuse rather than let it through.
        if (!context) throw error;
        context.reportError(new OperationLimitError(limit, error.message));
      },
    ],
  };
}

/**
 * Operation limits (graphql-armor): depth, aliases and directives, as validation rules (HTTP 400),
 * each refusal with its own stable code. Cost is demand control over list sizes (cost.ts), not
 * armor's per-node count; the token limit is counted before parsing (pipeline/token-limit.ts).
 */
export function createArmor(cfg: Pick<GatewayConfig, 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES'>) {
  return new ApolloArmor({
    maxDepth: { n: cfg.MAX_DEPTH, ignoreIntrospection: true, flattenFragments: true, ...tagged('QUERY_TOO_DEEP') },
    maxAliases: { n: cfg.MAX_ALIASES, allowList: [], ...tagged('TOO_MANY_ALIASES') },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDirectives: { n: cfg.MAX_DIRECTIVES, ...tagged('TOO_MANY_DIRECTIVES') },
    // Field suggestions ("Did you mean ...?") would let anyone map a hidden schema in production.
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

/** The limit code of an error Apollo reports, when one of the rules above refused the operation. */
export function limitCodeOf(error: unknown): LimitCode | undefined {
  if (error instanceof OperationLimitError) return error.limit;
  if (error instanceof GraphQLError && error.originalError instanceof OperationLimitError) return error.originalError.limit;
  return undefined;
}
