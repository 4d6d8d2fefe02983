import { ApolloArmor } from '@escape.tech/graphql-armor';
import { Lexer, Source, TokenKind } from 'graphql';
import type { RequestHandler } from 'express';
import type { GatewayConfig } from './config';
import { asked } from './persisted';

/**
 * Operation limits (graphql-armor): depth, aliases and directives, as validation rules (HTTP 400).
 * Each refusal gets its own stable code (armor reports them all as parse/validation failures).
 * Cost is demand control over list sizes (cost.ts), not armor's per-node count. The token limit is
 * not armor's either: armor throws from a parsing hook, which Apollo answers with HTTP 500; see
 * tokenLimit.
 */
export function createArmor(cfg: Pick<GatewayConfig, 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES'>) {
  return new ApolloArmor({
    maxDepth: { n: cfg.MAX_DEPTH, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: cfg.MAX_ALIASES, allowList: [] },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDirectives: { n: cfg.MAX_DIRECTIVES },
    // Field suggestions ("Did you mean ...?") would let anyone map a hidden schema in production.
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

/** True when `query` has more than `max` lexical tokens; stops counting there. */
export function tooManyTokens(query: string, max: number): boolean {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  try {
    for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) if (++n > max) return true;
  } catch {
    // A syntax error: Apollo's parser reports it (GRAPHQL_PARSE_FAILED).
  }
  return false;
}

/**
 * MAX_TOKENS before Apollo parses anything: a client's oversized document is a 400
 * TOO_MANY_TOKENS, by POST or GET, and is never parsed.
 */
export function tokenLimit(max: number): RequestHandler {
  return (req, res, next) => {
    const query = asked(req)?.query;
    if (query !== undefined && tooManyTokens(query, max)) {
      res.status(400).json({ errors: [{ message: `Token limit of ${max} exceeded.`, extensions: { code: 'TOO_MANY_TOKENS' } }] });
      return;
    }
    next();
  };
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
