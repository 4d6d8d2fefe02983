import type { TmdbCastMember, TmdbCrewMember, TmdbMovieDetail, TmdbMovieListItem, TmdbPerson, TmdbPersonCredits, TmdbVideo } from '../../platform/tmdb/types';

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

export interface CrewParent {
  member: TmdbCrewMember;
}

export type VideoParent = TmdbVideo;
export type CollectionParent = NonNullable<TmdbMovieDetail['belongs_to_collection']>;
export type CompanyParent = NonNullable<TmdbMovieDetail['production_companies']>[number];
export type SpokenLanguageParent = NonNullable<TmdbMovieDetail['spoken_languages']>[number];
export type PersonCreditsParent = TmdbPersonCredits;
export type PersonCastCreditParent = NonNullable<TmdbPersonCredits['cast']>[number];
export type PersonCrewCreditParent = NonNullable<TmdbPersonCredits['crew']>[number];

export interface PersonPageParent {
  page: number;
  totalPages: number;
  totalResults: number;
  results: PersonParent[];
}
