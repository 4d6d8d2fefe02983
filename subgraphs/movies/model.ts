import type { TmdbCastMember, TmdbCrewMember, TmdbMovieListItem, TmdbPerson } from '../../platform/tmdb/types';

/**
 * What a Movie resolver receives: always the id, and the list item when the film came from a
 * list endpoint, so list fields (title, poster, rating...) cost no detail call.
 */
export interface MovieParent {
  id: string;
  list?: TmdbMovieListItem;
}

/** A person, with whatever a credits block already told us about them. */
export interface PersonParent {
  id: string;
  credit?: Pick<TmdbCastMember | TmdbCrewMember, 'name' | 'profile_path' | 'known_for_department'>;
  full?: TmdbPerson;
}

export interface CastParent {
  member: TmdbCastMember;
}

export interface MoviePageParent {
  page: number;
  totalPages: number;
  totalResults: number;
  results: MovieParent[];
}
