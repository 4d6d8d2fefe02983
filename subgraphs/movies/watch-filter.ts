import { userInputError } from '../../platform/errors';
import { parseTmdbId } from '../../platform/ids';
import { isRegion } from '../../platform/iso';
import type { DiscoverFilter } from './generated/resolvers';

/**
 * `watchProviders` and `watchRegion` as TMDB's with_watch_providers / watch_region. Only TMDB's
 * provider ids: a feed provider's (`feed:<partnerId>`) offers are not in TMDB's index.
 */
export function watchQuery(f: DiscoverFilter): Record<string, string> {
  if (f.watchProviders == null) {
    if (f.watchRegion != null) throw userInputError('filter.watchRegion needs filter.watchProviders.', 'filter.watchRegion');
    return {};
  }
  if (f.watchRegion == null || !isRegion(f.watchRegion))
    throw userInputError('filter.watchRegion must be an ISO 3166-1 code such as US, with filter.watchProviders.', 'filter.watchRegion');
  if (f.watchProviders.length === 0 || f.watchProviders.length > 20) throw userInputError('filter.watchProviders: 1 to 20 ids.', 'filter.watchProviders');
  for (const id of f.watchProviders) {
    if (id.startsWith('feed:')) throw userInputError("filter.watchProviders: only TMDB's provider ids can filter discovery.", 'filter.watchProviders');
    parseTmdbId(id, 'filter.watchProviders');
  }
  return { with_watch_providers: f.watchProviders.join('|'), watch_region: f.watchRegion };
}
