import type { CastMemberResolvers, CrewMemberResolvers } from '../generated/resolvers';
import { emptyToNull } from '../mapping';

/** A film's credits: the person comes with what the credit says about them (name, profile). */
export const CastMember: CastMemberResolvers = {
  person: (p) => ({ id: String(p.member.id), credit: p.member }),
  character: (p) => emptyToNull(p.member.character),
  order: (p) => p.member.order ?? 0,
};

export const CrewMember: CrewMemberResolvers = {
  person: (p) => ({ id: String(p.member.id), credit: p.member }),
  department: (p) => emptyToNull(p.member.department),
  job: (p) => emptyToNull(p.member.job),
};
