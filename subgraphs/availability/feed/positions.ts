import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** Line numbers in a feed file, from jsonc-parser's offsets (strict JSON: no comments, no trailing commas). */
export class FeedText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line of a character offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The first syntax error, as a line and a message; null when the text is JSON. */
  syntaxError(): { line: number; message: string } | null {
    const errors: ParseError[] = [];
    parse(this.text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length === 0) return null;
    const e = errors[0];
    return { line: this.lineAt(e.offset), message: `not valid JSON: ${printParseErrorCode(e.error)}` };
  }

  /** The line a document path (zod's issue path) starts on; the nearest existing parent's when it is missing. */
  lineOf(path: readonly PropertyKey[]): number | null {
    const root = parseTree(this.text);
    if (!root) return null;
    const segments = path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    for (let n = segments.length; n >= 0; n--) {
      const node = findNodeAtLocation(root, segments.slice(0, n));
      if (node) return this.lineAt(node.offset);
    }
    return null;
  }
}

/** `offers[3].price.currency`, as FeedError.path shows it. */
export function pathText(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || null;
}
