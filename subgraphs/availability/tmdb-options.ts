import type { TmdbWatchProvider, TmdbWatchRegion } from '../../platform/tmdb/types';
import type { WatchOptionType } from './generated/resolvers';
import type { ProviderShape, WatchOptionItem } from './model';

/** TMDB's logos are paths on its image CDN; w92 is the size TMDB's own watch pages use. */
const LOGO_BASE = 'https://image.tmdb.org/t/p/w92';
/** TMDB's terms: its watch-provider data is JustWatch's, and must be attributed to JustWatch where it is shown. */
export const TMDB_ATTRIBUTION = 'JustWatch';

const KINDS: [keyof TmdbWatchRegion, WatchOptionType][] = [
  ['flatrate', 'STREAM'],
  ['free', 'FREE'],
  ['ads', 'ADS'],
  ['rent', 'RENT'],
  ['buy', 'BUY'],
];

export function tmdbProvider(p: TmdbWatchProvider): ProviderShape {
  return { id: String(p.provider_id), name: p.provider_name, logo: p.logo_path ? `${LOGO_BASE}${p.logo_path}` : null };
}

/** One region's block of /movie/{id}/watch/providers as watch options, in TMDB's display order per type. */
export function tmdbOptions(block: TmdbWatchRegion | undefined): WatchOptionItem[] {
  if (!block) return [];
  const out: WatchOptionItem[] = [];
  for (const [kind, type] of KINDS) {
    const list = (block[kind] as TmdbWatchProvider[] | undefined) ?? [];
    for (const p of [...list].sort((a, b) => (a.display_priority ?? 0) - (b.display_priority ?? 0))) {
      out.push({
        provider: tmdbProvider(p),
        type,
        price: null,
        quality: null,
        link: block.link ?? null,
        source: 'TMDB',
        attribution: TMDB_ATTRIBUTION,
        updatedAt: null,
      });
    }
  }
  return out;
}
