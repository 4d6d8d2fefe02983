import type { TmdbGenre, TmdbMovieListItem, TmdbPaged, TmdbPerson } from '../../platform/tmdb/types';
import type { BackdropSize, PosterSize, ProfileSize, VideoType } from './generated/resolvers';
import type { MoviePageParent, PersonPageParent } from './model';

/**
 * TMDB's shapes into the schema's: pages, images, videos, and TMDB's habit of sending "" or 0
 * for "unknown". Pure functions; the resolvers decide what to fetch.
 */

/** TMDB serves at most 500 pages of any list. */
const MAX_PAGES = 500;

function paged<T extends { id: number }, R>(p: TmdbPaged<T>, toResult: (item: T) => R) {
  return {
    page: p.page,
    totalPages: Math.min(p.total_pages ?? 0, MAX_PAGES),
    totalResults: p.total_results ?? 0,
    results: (p.results ?? []).filter((r) => typeof r?.id === 'number').map(toResult),
  };
}

export function toPage(p: TmdbPaged<TmdbMovieListItem>): MoviePageParent {
  return paged(p, (m) => ({ id: String(m.id), list: m }));
}

export function toPersonPage(p: TmdbPaged<TmdbPerson>): PersonPageParent {
  return paged(p, (r) => ({ id: String(r.id), credit: r }));
}

export function toGenre(g: TmdbGenre): { id: string; name: string } {
  return { id: String(g.id), name: g.name };
}

const SIZE_WIDTH: Record<string, number | null> = { ORIGINAL: null };
export function image(base: string, size: PosterSize | BackdropSize | ProfileSize, path: string | null | undefined) {
  if (!path) return null;
  const segment = size === 'ORIGINAL' ? 'original' : size.toLowerCase();
  const width = size in SIZE_WIDTH ? SIZE_WIDTH[size] : size.startsWith('W') ? Number(size.slice(1)) : null;
  return { url: `${base.replace(/\/$/, '')}/${segment}${path}`, width, filePath: path };
}

export function emptyToNull(s: string | null | undefined): string | null {
  return s === undefined || s === null || s === '' ? null : s;
}

export function positiveOrNull(n: number | null | undefined): number | null {
  return typeof n === 'number' && n > 0 ? n : null;
}

const VIDEO_TYPES: Record<string, VideoType> = {
  Trailer: 'TRAILER',
  Teaser: 'TEASER',
  Clip: 'CLIP',
  Featurette: 'FEATURETTE',
  'Behind the Scenes': 'BEHIND_THE_SCENES',
  Bloopers: 'BLOOPERS',
};
export function videoType(t: string | null | undefined): VideoType {
  return (t && VIDEO_TYPES[t]) || 'OTHER';
}

export function videoUrl(site: string | null | undefined, key: string | null | undefined): string | null {
  if (!key || !/^[A-Za-z0-9_-]{1,64}$/.test(key)) return null;
  if (site === 'YouTube') return `https://www.youtube.com/watch?v=${key}`;
  if (site === 'Vimeo') return `https://vimeo.com/${key}`;
  return null;
}

/** Theatrical releases (types 3 and 2) carry the certification people mean; others may differ. */
export function certificationRank(type: number | null | undefined): number {
  return type === 3 ? 0 : type === 2 ? 1 : type === 4 ? 2 : 3;
}

export function newestFirst(a: { release_date?: string | null }, b: { release_date?: string | null }): number {
  return (b.release_date ?? '').localeCompare(a.release_date ?? '');
}
