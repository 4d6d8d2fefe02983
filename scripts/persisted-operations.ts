/**
 * Writes the persisted-operations manifest (Apollo's manifest format) from schema/operations/:
 * one entry per operation, its id the SHA-256 of its body. Partners in safelist mode may run
 * only these. `--check` exits 1 when the checked-in manifest is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

const ROOT = path.resolve(__dirname, '..');
export const MANIFEST_PATH = path.join(ROOT, 'schema', 'persisted-operations.json');

import { sha256, type PersistedOperation } from '../gateway/pipeline/persisted';

export function buildManifest(dir = path.join(ROOT, 'schema', 'operations')) {
  const defs: DefinitionNode[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    defs.push(...parse(readFileSync(path.join(dir, file), 'utf8')).definitions);
  }
  const fragments = new Map(defs.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const operations: PersistedOperation[] = defs
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => {
      const used = new Set<string>();
      const collect = (node: DefinitionNode) =>
        visit(node, {
          FragmentSpread(spread) {
            if (used.has(spread.name.value)) return;
            used.add(spread.name.value);
            const f = fragments.get(spread.name.value);
            if (f) collect(f);
          },
        });
      collect(op);
      const body = [op, ...[...used].sort().map((n) => fragments.get(n)!)].map((d) => print(d)).join('\n\n');
      if (!op.name) throw new Error('every persisted operation needs a name');
      return { id: sha256(body), name: op.name.value, type: op.operation, body };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

function main() {
  const content = JSON.stringify(buildManifest(), null, 2) + '\n';
  if (process.argv.includes('--check')) {
    const current = readFileSync(MANIFEST_PATH, 'utf8');
    if (current !== content) {
      console.error('schema/persisted-operations.json is stale: run npm run persisted');
      process.exit(1);
    }
    return;
  }
  writeFileSync(MANIFEST_PATH, content);
  console.log(`wrote ${path.relative(process.cwd(), MANIFEST_PATH)}`);
}

if (require.main === module) main();
