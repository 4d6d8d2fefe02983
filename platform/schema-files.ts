import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type DocumentNode } from 'graphql';
import type { SUBGRAPH_AUDIENCES } from './identity';

/** A subgraph's name: its SDL file, the audience of the identities the gateway signs for it. */
export type SubgraphName = (typeof SUBGRAPH_AUDIENCES)[number];

// From source (platform/) the schema is one level up; from the compiled dist/platform/, two.
export const SCHEMA_DIR =
  [path.resolve(__dirname, '..', 'schema'), path.resolve(__dirname, '..', '..', 'schema')].find((d) => existsSync(path.join(d, 'movies.graphql'))) ??
  path.resolve(__dirname, '..', 'schema');

/** Subgraphs serve their SDL straight from schema/, the single source the supergraph is composed from. */
export function loadSubgraphSdl(name: SubgraphName): DocumentNode {
  return parse(readFileSync(path.join(SCHEMA_DIR, `${name}.graphql`), 'utf8'));
}
