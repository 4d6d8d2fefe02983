import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GatewayConfig } from './config';

/**
 * Operation limits (graphql-armor): depth, aliases, tokens and directives (cost: cost.ts). Each refusal
 * gets its own stable code (armor reports them all as parse/validation failures).
 */
export function createArmor(cfg: Pick<GatewayConfig, 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_TOKENS' | 'MAX_DIRECTIVES'>) {
  return new ApolloArmor({
    maxDepth: { n: cfg.MAX_DEPTH, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: cfg.MAX_ALIASES, allowList: [] },
    // Cost is demand control over list sizes (cost.ts), not armor's per-node count.
    costLimit: { enabled: false },
    maxTokens: { n: cfg.MAX_TOKENS },
    maxDirectives: { n: cfg.MAX_DIRECTIVES },
    // Field suggestions ("Did you mean ...?") would let anyone map a hidden schema in production.
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

const LIMIT_CODES: [RegExp, string][] = [
  [/Query depth limit of \d+ exceeded/, 'QUERY_TOO_DEEP'],
  [/Aliases limit of \d+ exceeded/, 'TOO_MANY_ALIASES'],
  [/Token limit of \d+ exceeded/, 'TOO_MANY_TOKENS'],
  [/Directives limit of \d+ exceeded/, 'TOO_MANY_DIRECTIVES'],
];

export const LIMIT_ERROR_CODES = [...LIMIT_CODES.map(([, c]) => c), 'COST_LIMIT_EXCEEDED'];

/** The operation-limit code for an error message, if it is one. */
export function limitCode(message: string): string | undefined {
  return LIMIT_CODES.find(([re]) => re.test(message))?.[1];
}
