import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CatalogMovie } from './catalog';

// The stand-in's watch providers (watch-providers.json), answered in TMDB v3's shapes.

interface Provider {
  provider_id: number;
  provider_name: string;
  logo_path: string;
  display_priority: number;
  regions: string[];
}
type Kind = 'flatrate' | 'rent' | 'buy' | 'free' | 'ads';
interface WatchData {
  providers: Provider[];
  movies: Record<string, Record<string, Partial<Record<Kind, number[]>>>>;
}

let cached: WatchData | undefined;
function data(): WatchData {
  cached ??= JSON.parse(readFileSync(path.join(__dirname, 'watch-providers.json'), 'utf8')) as WatchData;
  return cached;
}

const shape = (p: Provider) => ({ logo_path: p.logo_path, provider_id: p.provider_id, provider_name: p.provider_name, display_priority: p.display_priority });

/** /watch/providers/movie?watch_region=XX (every provider without one, as TMDB does). */
export function providerList(region: string | null) {
  const list = data().providers.filter((p) => !region || p.regions.includes(region));
  return {
    results: list.map((p) => ({ display_priorities: Object.fromEntries(p.regions.map((r) => [r, p.display_priority])), ...shape(p) })),
  };
}

/** /movie/{id}/watch/providers: each region's link and providers by monetization type. */
export function movieWatchProviders(movie: CatalogMovie) {
  const byId = new Map(data().providers.map((p) => [p.provider_id, p]));
  const regions = data().movies[String(movie.id)] ?? {};
  const slug = movie.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const results: Record<string, unknown> = {};
  for (const [region, kinds] of Object.entries(regions)) {
    const block: Record<string, unknown> = { link: `https://www.themoviedb.org/movie/${movie.id}-${slug}/watch?locale=${region}` };
    for (const [kind, ids] of Object.entries(kinds)) block[kind] = ids.map((id) => shape(byId.get(id)!));
    results[region] = block;
  }
  return { id: movie.id, results };
}

/** discover's with_watch_providers (pipe = any) in watch_region. */
export function offeredBy(movie: CatalogMovie, providers: string, region: string): boolean {
  const wanted = providers.split(/[|,]/).map(Number);
  const kinds = data().movies[String(movie.id)]?.[region] ?? {};
  return Object.values(kinds).some((ids) => ids.some((id) => wanted.includes(id)));
}
