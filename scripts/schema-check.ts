/**
 * The breaking-change guard: compares the public API schema with the last released one
 * (@graphql-inspector/core). Breaking changes fail unless schema/CHANGELOG.md acknowledges each
 * of them under "Unreleased" → "### Breaking" by its path; dangerous changes are listed; every
 * @deprecated reason must carry a removal date ("Removal after YYYY-MM-DD.").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';

const ROOT = path.resolve(__dirname, '..');
export const PATHS = {
  current: path.join(ROOT, 'schema', 'api.graphql'),
  released: path.join(ROOT, 'schema', 'released', 'api.graphql'),
  changelog: path.join(ROOT, 'schema', 'CHANGELOG.md'),
};

export interface CheckResult {
  ok: boolean;
  breaking: Change[];
  unacknowledged: Change[];
  dangerous: Change[];
  safe: Change[];
  badDeprecations: string[];
}

/** The `path`s acknowledged in the Unreleased → Breaking list of the changelog. */
export function acknowledged(changelog: string): Set<string> {
  const unreleased = changelog.split(/^## /m).find((s) => s.startsWith('Unreleased')) ?? '';
  const breaking = unreleased.split(/^### /m).find((s) => s.startsWith('Breaking')) ?? '';
  return new Set([...breaking.matchAll(/^\s*[-*]\s+`([^`]+)`/gm)].map((m) => m[1]));
}

const REMOVAL = /Removal after (\d{4}-\d{2}-\d{2})\./;

export function deprecationProblems(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  const check = (where: string, reason: string | null | undefined) => {
    if (reason == null) return;
    const m = REMOVAL.exec(reason);
    if (!m || Number.isNaN(Date.parse(m[1]))) problems.push(`${where}: deprecation reason must end with "Removal after YYYY-MM-DD." (got "${reason}")`);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const f of Object.values(type.getFields())) {
        check(`${type.name}.${f.name}`, f.deprecationReason);
        for (const a of f.args) check(`${type.name}.${f.name}(${a.name})`, a.deprecationReason);
      }
    } else if (isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) check(`${type.name}.${f.name}`, f.deprecationReason);
    } else if (isEnumType(type)) {
      for (const v of type.getValues()) check(`${type.name}.${v.name}`, v.deprecationReason);
    }
  }
  return problems;
}

export async function checkSchema(released: string, current: string, changelog: string): Promise<CheckResult> {
  const oldSchema = buildSchema(released);
  const newSchema = buildSchema(current);
  const changes = await diff(oldSchema, newSchema);
  const by = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  const breaking = by(CriticalityLevel.Breaking);
  const acks = acknowledged(changelog);
  const unacknowledged = breaking.filter((c) => !c.path || !acks.has(c.path));
  const badDeprecations = deprecationProblems(newSchema);
  return {
    ok: unacknowledged.length === 0 && badDeprecations.length === 0,
    breaking,
    unacknowledged,
    dangerous: by(CriticalityLevel.Dangerous),
    safe: by(CriticalityLevel.NonBreaking),
    badDeprecations,
  };
}

async function main() {
  const r = await checkSchema(readFileSync(PATHS.released, 'utf8'), readFileSync(PATHS.current, 'utf8'), readFileSync(PATHS.changelog, 'utf8'));
  const show = (title: string, list: Change[]) => {
    if (!list.length) return;
    console.log(`${title}:`);
    for (const c of list) console.log(`  - ${c.path ?? ''}: ${c.message}`);
  };
  show('Breaking changes', r.breaking);
  show('Dangerous changes', r.dangerous);
  show('Safe changes', r.safe);
  for (const p of r.badDeprecations) console.log(`Deprecation without removal date: ${p}`);
  if (r.unacknowledged.length) {
    console.error(`\n${r.unacknowledged.length} breaking change(s) not acknowledged in schema/CHANGELOG.md (Unreleased → ### Breaking):`);
    for (const c of r.unacknowledged) console.error(`  - \`${c.path}\` ${c.message}`);
  }
  if (!r.ok) process.exit(1);
  console.log(r.breaking.length + r.dangerous.length + r.safe.length === 0 ? 'schema unchanged since the last release' : 'schema check passed');
}

if (require.main === module) void main();
