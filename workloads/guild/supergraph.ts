/** The Guild workload's supergraph: the four subgraphs' SDL composed (Federation 2) with the URLs they run at. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { GUILD_SDL, type GuildSubgraphName } from './subgraphs';

export function composeGuildSupergraph(urls: Record<GuildSubgraphName, string>): string {
  const result = composeServices((Object.keys(GUILD_SDL) as GuildSubgraphName[]).map((name) => ({ name, url: urls[name], typeDefs: parse(GUILD_SDL[name]) })));
  if (result.errors) throw new Error(`composing the Guild supergraph failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

/** Writes the supergraph to a temporary file (what every gateway's SUPERGRAPH_PATH reads). */
export function writeGuildSupergraph(urls: Record<GuildSubgraphName, string>): string {
  const file = path.join(tmpdir(), `marquee-guild-supergraph-${process.pid}.graphql`);
  writeFileSync(file, composeGuildSupergraph(urls));
  return file;
}
