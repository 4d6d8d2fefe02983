import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../../workloads/random';

/**
 * Random operations over the public schema (schema/api.graphql), from a seeded PRNG so that a
 * failure reproduces from its seed: aliases, named fragments, inline fragments (with and
 * without a type condition: the public schema has no abstract type), @skip/@include on
 * variables, arguments inline and as variables, lists, unknown ids (NOT_FOUND errors). Small
 * enough to stay inside the gateway's default limits (depth, aliases, cost, tokens).
 */
export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
  /** Sent with a user token (viewer fields answer), or anonymous. */
  signedIn: boolean;
}

const ROOT = path.resolve(__dirname, '..', '..');
export const publicSchema = (): GraphQLSchema => buildSchema(readFileSync(path.join(ROOT, 'schema', 'api.graphql'), 'utf8'));

/** Root fields that fan out widely (every film's credits, TMDB discover): left out to keep runs short. */
const SKIPPED_FIELDS = new Set(['Person.movieCredits', 'Query.discoverMovies', 'Movie.crew']);

class Generator {
  private fragments: string[] = [];
  private varDefs: string[] = [];
  private variables: Record<string, unknown> = {};
  private aliases = 0;
  private names = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly random: () => number,
    private readonly ids: string[],
  ) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)];
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private id(): string {
    // Now and then an id no one knows: a NOT_FOUND error, a null in a list.
    return this.chance(0.08) ? '999999999' : this.pick(this.ids.slice(0, 40));
  }

  /** A value for an argument, or undefined to leave it out. */
  private value(arg: GraphQLArgument | { name: string; type: GraphQLInputType }, required: boolean): unknown {
    const type = getNullableType(arg.type);
    if (!required && this.chance(0.6)) return undefined;
    if (isListType(type)) return Array.from({ length: 1 + Math.floor(this.random() * 4) }, () => this.value({ name: arg.name, type: type.ofType }, true));
    if (isEnumType(type)) return this.pick(type.getValues()).name;
    if (isInputObjectType(type)) return undefined;
    const name = getNamedType(type).name;
    if (name === 'ID') return this.id();
    if (name === 'Int')
      return arg.name === 'page' ? 1 + Math.floor(this.random() * 2) : arg.name === 'year' ? this.pick([1999, 2008, 2019]) : 1 + Math.floor(this.random() * 4);
    if (name === 'String')
      return arg.name === 'query' ? this.pick(['the', 'star', 'love', 'zzzq']) : arg.name === 'country' ? this.pick(['US', 'GB', 'FR']) : undefined;
    if (name === 'Boolean') return this.chance(0.5);
    return undefined;
  }

  private literal(type: GraphQLInputType, v: unknown): string {
    const t = getNullableType(type);
    if (Array.isArray(v)) return `[${v.map((x) => this.literal(isListType(t) ? t.ofType : t, x)).join(', ')}]`;
    if (isEnumType(t)) return String(v);
    return JSON.stringify(v);
  }

  private args(field: GraphQLField<unknown, unknown>): string {
    const out: string[] = [];
    for (const arg of field.args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      const v = this.value(arg, required);
      if (v === undefined) {
        if (required) return '!';
        continue;
      }
      if (this.chance(0.3)) {
        const name = `v${this.names++}`;
        this.varDefs.push(`$${name}: ${arg.type.toString()}`);
        this.variables[name] = v;
        out.push(`${arg.name}: $${name}`);
      } else {
        out.push(`${arg.name}: ${this.literal(arg.type, v)}`);
      }
    }
    return out.length ? `(${out.join(', ')})` : '';
  }

  private directive(): string {
    if (!this.chance(0.15)) return '';
    const name = `b${this.names++}`;
    this.varDefs.push(`$${name}: Boolean!`);
    this.variables[name] = this.chance(0.5);
    return ` @${this.chance(0.5) ? 'skip' : 'include'}(if: $${name})`;
  }

  selection(type: GraphQLObjectType, depth: number): string {
    // Pages of films only at the root: below a list they multiply (20 films x 20 recommendations).
    const fields = Object.values(type.getFields()).filter(
      (f) => !SKIPPED_FIELDS.has(`${type.name}.${f.name}`) && (depth === 0 || getNamedType(f.type).name !== 'MoviePage'),
    );
    const leaves = fields.filter((f) => !isObjectType(getNamedType(f.type)));
    const objects = fields.filter((f) => isObjectType(getNamedType(f.type)));
    const chosen = new Set<GraphQLField<unknown, unknown>>();
    const n = 1 + Math.floor(this.random() * (depth === 0 ? 2 : 4));
    for (let i = 0; i < n; i++) {
      const pool = depth >= 3 || objects.length === 0 || this.chance(0.5) ? leaves : objects;
      if (pool.length) chosen.add(this.pick(pool));
    }
    if (chosen.size === 0 && leaves.length) chosen.add(leaves[0]);
    const parts: string[] = [];
    for (const field of chosen) {
      const args = this.args(field);
      if (args === '!') continue;
      const alias = this.aliases < 6 && this.chance(0.2) ? `a${this.aliases++}: ` : '';
      const named = getNamedType(field.type);
      const sub = isObjectType(named) ? ` { ${this.selection(named, depth + 1)} }` : '';
      parts.push(`${alias}${field.name}${args}${this.directive()}${sub}`);
    }
    if (parts.length === 0) parts.push('__typename');
    if (this.chance(0.2)) parts.push('__typename');
    // Part of the selection moved into a fragment: named, inline on the type, or inline untyped.
    if (parts.length > 1 && this.chance(0.35)) {
      const moved = parts.splice(0, 1 + Math.floor(this.random() * (parts.length - 1)));
      const r = this.random();
      if (r < 0.4) {
        const name = `F${this.names++}`;
        this.fragments.push(`fragment ${name} on ${type.name} { ${moved.join(' ')} }`);
        parts.push(`...${name}${this.directive()}`);
      } else if (r < 0.75) {
        parts.push(`... on ${type.name}${this.directive()} { ${moved.join(' ')} }`);
      } else {
        parts.push(`...${this.directive() || ' @include(if: true)'} { ${moved.join(' ')} }`);
      }
    }
    return parts.join(' ');
  }

  operation(): GeneratedOperation {
    const body = this.selection(this.schema.getQueryType()!, 0);
    const defs = this.varDefs.length ? `(${this.varDefs.join(', ')})` : '';
    return { query: [`query Generated${defs} { ${body} }`, ...this.fragments].join('\n'), variables: this.variables, signedIn: this.chance(0.5) };
  }
}

export function generateOperations(count: number, seed: number, ids: string[], schema = publicSchema()): GeneratedOperation[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => new Generator(schema, random, ids).operation());
}
