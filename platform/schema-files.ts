import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type DocumentNode } from 'graphql';

export const SCHEMA_DIR = path.resolve(__dirname, '..', 'schema');

/** Subgraphs serve their SDL straight from schema/, the single source the supergraph is composed from. */
export function loadSubgraphSdl(name: 'movies' | 'ratings' | 'notifications'): DocumentNode {
  return parse(readFileSync(path.join(SCHEMA_DIR, `${name}.graphql`), 'utf8'));
}
