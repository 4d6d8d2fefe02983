import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GatewayConfig } from './config';

/**
 * Operation limits (graphql-armor): depth, aliases, cost, tokens and directives. Each refusal
 * gets its own stable code (armor reports them all as parse/validation failures).
 */
export function createArmor(cfg: Pick<GatewayConfig, 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_COST' | 'MAX_TOKENS' | 'MAX_DIRECTIVES'>) {
  return new ApolloArmor({
    maxDepth: { n: cfg.MAX_DEPTH, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: cfg.MAX_ALIASES, allowList: [] },
    costLimit: { maxCost: cfg.MAX_COST, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    maxTokens: { n: cfg.MAX_TOKENS },
    maxDirectives: { n: cfg.MAX_DIRECTIVES },
    // Field suggestions ("Did you mean ...?") would let anyone map a hidden schema in production.
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

const LIMIT_CODES: [RegExp, string][] = [
  [/Query depth limit of \d+ exceeded/, 'QUERY_TOO_DEEP'],
  [/Aliases limit of \d+ exceeded/, 'TOO_MANY_ALIASES'],
  [/Query Cost limit of \d+ exceeded/, 'QUERY_TOO_COMPLEX'],
  [/Token limit of \d+ exceeded/, 'TOO_MANY_TOKENS'],
  [/Directives limit of \d+ exceeded/, 'TOO_MANY_DIRECTIVES'],
];

export const LIMIT_ERROR_CODES = LIMIT_CODES.map(([, c]) => c);

/** The operation-limit code for an error message, if it is one. */
export function limitCode(message: string): string | undefined {
  return LIMIT_CODES.find(([re]) => re.test(message))?.[1];
}
