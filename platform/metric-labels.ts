import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_DIR } from './schema-files';

/**
 * Label values that come from clients (operation names, client names and versions) must not
 * grow the metric registry without bound: every distinct value is a new series kept for the
 * life of the process. A value is kept when it is known (the persisted-operation manifest) or
 * among the first `maxSeen` distinct values this process saw; anything else is `other`.
 * Values are cut to `maxLength` characters of `[A-Za-z0-9._-]`.
 */
export const OTHER_LABEL = 'other';

export interface LabelBounds {
  /** Values always kept as they are. */
  known?: Iterable<string>;
  /** Also kept: a value `known` returns true for (e.g. a subgraph operation named after a known one). */
  isKnown?: (value: string) => boolean;
  /** How many other distinct values are kept, first come first served. */
  maxSeen?: number;
  maxLength?: number;
  /** The label for a missing or empty value. */
  missing: string;
}

export function boundedLabel(bounds: LabelBounds): (value: string | null | undefined) => string {
  const maxLength = bounds.maxLength ?? 64;
  const maxSeen = bounds.maxSeen ?? 100;
  const known = new Set([...(bounds.known ?? [])].map((v) => clean(v, maxLength)));
  const seen = new Set<string>();
  return (raw) => {
    const value = raw ? clean(raw, maxLength) : '';
    if (!value) return bounds.missing;
    if (known.has(value) || seen.has(value) || bounds.isKnown?.(value)) return value;
    if (seen.size < maxSeen) {
      seen.add(value);
      return value;
    }
    return OTHER_LABEL;
  };
}

/**
 * Labels that go together (client name and version): bounded as pairs, since 100 names and 100
 * versions kept apart could still make 10,000 series. Past `maxSeen` distinct pairs, a new pair
 * is `other` in every position.
 */
export function boundedLabelTuple(opts: { maxSeen?: number; maxLength?: number; missing: string }): (values: (string | null | undefined)[]) => string[] {
  const maxLength = opts.maxLength ?? 64;
  const maxSeen = opts.maxSeen ?? 100;
  const seen = new Set<string>();
  return (values) => {
    const cleaned = values.map((v) => (v ? clean(v, maxLength) : '') || opts.missing);
    const key = cleaned.join('\n');
    if (seen.has(key)) return cleaned;
    if (seen.size < maxSeen) {
      seen.add(key);
      return cleaned;
    }
    return cleaned.map(() => OTHER_LABEL);
  };
}

function clean(v: string, maxLength: number): string {
  return v
    .slice(0, maxLength * 4)
    .replace(/[^A-Za-z0-9._-]/g, '')
    .slice(0, maxLength);
}

/** Operation names in the persisted-operation manifest (empty when there is none). */
export function manifestOperationNames(file = path.join(SCHEMA_DIR, 'persisted-operations.json')): string[] {
  if (!existsSync(file)) return [];
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { operations?: { name?: unknown }[] };
    return (json.operations ?? []).map((o) => o.name).filter((n): n is string => typeof n === 'string');
  } catch {
    return [];
  }
}

/**
 * The operation-name label for a subgraph: the gateway names its subgraph operations
 * `<client operation>__<subgraph>__<n>`, so those of a manifest operation are known.
 */
export function subgraphOperationLabel(subgraph: string, known: string[] = manifestOperationNames()): (value: string | null | undefined) => string {
  const names = new Set(known);
  const pattern = new RegExp(`^(.+)__${subgraph}__\\d+$`);
  return boundedLabel({
    known,
    isKnown: (v) => {
      const m = pattern.exec(v);
      return m !== null && names.has(m[1]);
    },
    missing: 'anonymous',
  });
}
