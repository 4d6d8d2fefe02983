/**
 * Composes schema/{movies,ratings,notifications,availability}.graphql into the supergraph the gateway serves
 * (schema/supergraph.graphql) and the public API schema partners and frontend codegen read
 * (schema/api.graphql). `--check` only compares and exits 1 when a file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, printSchema, lexicographicSortSchema } from 'graphql';
import { composeServices } from '@apollo/composition';

export const SCHEMA_DIR = path.resolve(__dirname, '..', 'schema');

/** Names and default URLs; the gateway replaces the URLs with MOVIES_URL etc. at run time. */
export const SUBGRAPHS = [
  { name: 'movies', url: 'http://localhost:4001/graphql' },
  { name: 'ratings', url: 'http://localhost:4002/graphql' },
  { name: 'notifications', url: 'http://localhost:4003/graphql' },
  { name: 'availability', url: 'http://localhost:4004/graphql' },
] as const;

export interface Composed {
  supergraphSdl: string;
  apiSdl: string;
}

export function composeSupergraph(): Composed {
  const services = SUBGRAPHS.map((s) => ({
    name: s.name,
    url: s.url,
    typeDefs: parse(readFileSync(path.join(SCHEMA_DIR, `${s.name}.graphql`), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  const api = lexicographicSortSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  return {
    supergraphSdl: result.supergraphSdl.trimEnd() + '\n',
    apiSdl: printSchema(api).trimEnd() + '\n',
  };
}

export const OUTPUTS = {
  supergraph: path.join(SCHEMA_DIR, 'supergraph.graphql'),
  api: path.join(SCHEMA_DIR, 'api.graphql'),
};

function main(): void {
  const composed = composeSupergraph();
  const check = process.argv.includes('--check');
  const pairs: [string, string][] = [
    [OUTPUTS.supergraph, composed.supergraphSdl],
    [OUTPUTS.api, composed.apiSdl],
  ];
  let stale = false;
  for (const [file, content] of pairs) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current === content) continue;
    if (check) {
      console.error(`${path.relative(process.cwd(), file)} is stale: run npm run compose`);
      stale = true;
    } else {
      writeFileSync(file, content);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  if (stale) process.exit(1);
}

if (require.main === module) main();
