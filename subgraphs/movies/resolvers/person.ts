import { parseTmdbId } from '../../../platform/ids';
import type { PersonCastCreditResolvers, PersonCrewCreditResolvers, PersonMovieCreditsResolvers, PersonResolvers } from '../generated/resolvers';
import { emptyToNull, image, newestFirst } from '../mapping';
import { person, upstream } from '../reads';

/** A person: what a credit already says about them, else their own record; and their films. */
export const Person: PersonResolvers = {
  __resolveReference: (ref) => ({ id: ref.id }),
  id: (p) => p.id,
  name: async (p, _a, ctx) => p.full?.name ?? p.credit?.name ?? (await person(p, ctx)).name,
  biography: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).biography),
  birthday: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).birthday),
  deathday: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).deathday),
  placeOfBirth: async (p, _a, ctx) => emptyToNull((await person(p, ctx)).place_of_birth),
  knownForDepartment: async (p, _a, ctx) =>
    emptyToNull(p.full?.known_for_department ?? p.credit?.known_for_department ?? (await person(p, ctx)).known_for_department),
  movieCredits: async (p, _a, ctx) => ctx.tmdb.personCredits(parseTmdbId(p.id)).catch(upstream),
  profile: async (p, { size }, ctx) => {
    const path = p.credit?.profile_path !== undefined ? p.credit.profile_path : (await person(p, ctx)).profile_path;
    return image(ctx.imageBaseUrl, size, path);
  },
};

export const PersonMovieCredits: PersonMovieCreditsResolvers = {
  cast: (c) => [...(c.cast ?? [])].filter((m) => typeof m?.id === 'number').sort(newestFirst),
  crew: (c) => [...(c.crew ?? [])].filter((m) => typeof m?.id === 'number').sort(newestFirst),
};

export const PersonCastCredit: PersonCastCreditResolvers = {
  movie: (m) => ({ id: String(m.id), list: m }),
  character: (m) => emptyToNull(m.character),
};

export const PersonCrewCredit: PersonCrewCreditResolvers = {
  movie: (m) => ({ id: String(m.id), list: m }),
  department: (m) => emptyToNull(m.department),
  job: (m) => emptyToNull(m.job),
};
