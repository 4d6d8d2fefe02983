import type { VideoResolvers } from '../generated/resolvers';
import { emptyToNull, videoType, videoUrl } from '../mapping';

export const Video: VideoResolvers = {
  id: (v) => v.id,
  name: (v) => v.name ?? '',
  type: (v) => videoType(v.type),
  site: (v) => v.site ?? '',
  key: (v) => v.key ?? '',
  url: (v) => videoUrl(v.site, v.key),
  official: (v) => Boolean(v.official),
  publishedAt: (v) => emptyToNull(v.published_at),
};
