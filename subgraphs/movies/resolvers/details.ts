import type { CollectionResolvers, CompanyResolvers, SpokenLanguageResolvers } from '../generated/resolvers';
import { emptyToNull, image } from '../mapping';

/** The objects of a film's detail record: its collection, companies and spoken languages. */
export const Collection: CollectionResolvers = {
  id: (c) => String(c.id),
  name: (c) => c.name,
  poster: (c, { size }, ctx) => image(ctx.imageBaseUrl, size, c.poster_path),
};

export const Company: CompanyResolvers = {
  id: (c) => String(c.id),
  name: (c) => c.name,
  originCountry: (c) => emptyToNull(c.origin_country),
};

export const SpokenLanguage: SpokenLanguageResolvers = {
  code: (l) => l.iso_639_1,
  name: (l) => l.english_name || l.name || l.iso_639_1,
};
