import { Lexer, Source, TokenKind } from 'graphql';
import type { RequestHandler } from 'express';
import { sendError } from './locals';
import { asked } from './persisted';

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
 * TOO_MANY_TOKENS, by POST or GET, and is never parsed. Not graphql-armor's token limit: armor
 * throws from a parsing hook, which Apollo answers with HTTP 500.
 */
export function tokenLimit(max: number): RequestHandler {
  return (req, res, next) => {
    const query = asked(req)?.query;
    if (query !== undefined && tooManyTokens(query, max)) return sendError(res, 400, 'TOO_MANY_TOKENS', `Token limit of ${max} exceeded.`);
    next();
  };
}
