import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { deepFreeze, shareAlong, type Recipe } from '../apollo-patches/answer-sharing';
import type { Hint } from '../subgraph-cache';

export type AnswerBody = { data?: Record<string, unknown> | null; errors?: GatewayGraphQLResponse['errors']; extensions?: Record<string, unknown> };

/**
 * One operation's answer, which several requests may take (deduplication, cache hits). The
 * gateway merges into the objects it gets, so requests must not share what it writes into:
 *
 * - with the plan's recipe (answer-sharing.ts), every taker gets fresh objects only where its
 *   plan may write, over one parsed answer that no one writes to;
 * - without one, the first taker gets the object parsed on arrival and later ones parse the text
 *   again (cheaper than structuredClone, and nothing is copied unless a second taker comes).
 */
export class Answer {
  private parsed: AnswerBody;
  /** Who has the object parsed on arrival: no one yet, the sharers (read-only), or one taker (to write into). */
  private owner: 'none' | 'shared' | 'given' = 'none';
  private shared: AnswerBody | undefined;
  private parsedHint: Hint | undefined;
  constructor(
    parsed: AnswerBody,
    private readonly reparse: () => AnswerBody,
    readonly cacheControl: string | undefined,
    private readonly freeze = false,
    /** The answer's own JSON text, when it came alone (not as one element of a batch). */
    private readonly text?: string,
  ) {
    this.parsed = parsed;
  }

  /** The untouched answer as JSON (for the subgraph cache), taking nothing from the takers. */
  serialized(): { json: string; body: AnswerBody } {
    const body = this.owner === 'given' ? this.reparse() : this.parsed;
    return { json: this.text ?? JSON.stringify(body), body };
  }

  take(recipe: Recipe | undefined): AnswerBody {
    if (recipe) {
      if (!this.shared) {
        this.shared = this.owner === 'given' ? this.reparse() : this.parsed;
        if (this.owner === 'none') this.owner = 'shared';
        if (this.freeze) deepFreeze(this.shared);
      }
      const { data, errors, extensions } = this.shared;
      // Errors are rare and the gateway rewrites them: a whole copy.
      return { data: shareAlong(data, recipe), errors: errors && (JSON.parse(JSON.stringify(errors)) as AnswerBody['errors']), extensions };
    }
    if (this.owner === 'none') {
      this.owner = 'given';
      return this.parsed;
    }
    return this.reparse();
  }

  /** The subgraph's Cache-Control, read once however many takers ask. */
  get hint(): Hint {
    return (this.parsedHint ??= cacheHint(this.cacheControl));
  }

  /** The subgraph says any caller may be given this answer. */
  get isPublic(): boolean {
    return this.hint.scope === 'PUBLIC' && this.hint.maxAge > 0;
  }
}

/** The answer a subgraph sent alone, as JSON text (a single call's body, or a cached one). */
export function answerFromText(subgraph: string, text: string, cacheControl: string | undefined, freeze: boolean): Answer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`subgraph ${subgraph} sent a response that is not JSON`);
  }
  if (!isResultObject(value)) throw new Error(`subgraph ${subgraph} sent a response that is not a GraphQL result`);
  return new Answer(value as AnswerBody, () => JSON.parse(text) as AnswerBody, cacheControl, freeze, text);
}

export function isResultObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The cache hint a subgraph's Cache-Control header stands for (as RemoteGraphQLDataSource reads it). */
export function cacheHint(header: string | undefined): Hint {
  const hint: Hint = { maxAge: 0 };
  if (!header) return hint;
  for (const part of header.split(',').map((p) => p.trim().toLowerCase())) {
    const m = /^max-age=(\d+)$/.exec(part);
    if (m) hint.maxAge = Number(m[1]);
    if (part === 'private') hint.scope = 'PRIVATE';
    if (part === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}
