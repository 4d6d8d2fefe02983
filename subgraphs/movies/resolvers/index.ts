import type { Resolvers } from '../generated/resolvers';
import { CastMember, CrewMember } from './credit';
import { Collection, Company, SpokenLanguage } from './details';
import { Movie } from './movie';
import { Person, PersonCastCredit, PersonCrewCredit, PersonMovieCredits } from './person';
import { Query } from './query';
import { Video } from './video';

/**
 * The movies subgraph's resolvers, one module per type (types whose fields are all plain
 * reads of their parent, such as MoviePage or Genre, need none).
 */
export const resolvers: Resolvers = {
  Query,
  Movie,
  CrewMember,
  Video,
  Collection,
  Company,
  SpokenLanguage,
  PersonMovieCredits,
  PersonCastCredit,
  PersonCrewCredit,
  CastMember,
  Person,
};
