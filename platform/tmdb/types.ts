/**
 * The parts of TMDB v3 responses we read. TMDB omits or nulls many fields, and appended blocks
 * (append_to_response) carry no `id`, so everything not guaranteed is optional.
 */
export interface TmdbGenre {
  id: number;
  name: string;
}

/** A film as it appears in list endpoints (popular, search, discover, recommendations...). */
export interface TmdbMovieListItem {
  id: number;
  title?: string | null;
  original_title?: string | null;
  original_language?: string | null;
  overview?: string | null;
  release_date?: string | null;
  genre_ids?: number[] | null;
  popularity?: number | null;
  vote_average?: number | null;
  vote_count?: number | null;
  poster_path?: string | null;
  backdrop_path?: string | null;
  adult?: boolean;
}

export interface TmdbCastMember {
  id: number;
  name: string;
  character?: string | null;
  order?: number | null;
  profile_path?: string | null;
  known_for_department?: string | null;
}

export interface TmdbCrewMember {
  id: number;
  name: string;
  department?: string | null;
  job?: string | null;
  profile_path?: string | null;
  known_for_department?: string | null;
}

export interface TmdbCredits {
  cast?: TmdbCastMember[] | null;
  crew?: TmdbCrewMember[] | null;
}

export interface TmdbPaged<T> {
  page: number;
  results: T[];
  total_pages: number;
  total_results: number;
}

/** The base movie detail, without appended blocks. */
export interface TmdbMovieDetail extends Omit<TmdbMovieListItem, 'genre_ids'> {
  genres?: TmdbGenre[] | null;
  runtime?: number | null;
  status?: string | null;
  tagline?: string | null;
  imdb_id?: string | null;
  budget?: number | null;
  revenue?: number | null;
  homepage?: string | null;
  belongs_to_collection?: { id: number; name: string; poster_path?: string | null; backdrop_path?: string | null } | null;
  production_companies?: { id: number; name: string; origin_country?: string | null; logo_path?: string | null }[] | null;
  spoken_languages?: { iso_639_1: string; english_name?: string | null; name?: string | null }[] | null;
}

export interface TmdbVideo {
  id: string;
  name?: string | null;
  key?: string | null;
  site?: string | null;
  type?: string | null;
  official?: boolean | null;
  published_at?: string | null;
}

export interface TmdbReleaseDates {
  results?: { iso_3166_1: string; release_dates?: { certification?: string | null; type?: number | null; release_date?: string | null }[] | null }[] | null;
}

export interface TmdbPersonCredits {
  cast?: (TmdbMovieListItem & { character?: string | null })[] | null;
  crew?: (TmdbMovieListItem & { department?: string | null; job?: string | null })[] | null;
}

export interface TmdbPerson {
  id: number;
  name: string;
  biography?: string | null;
  birthday?: string | null;
  deathday?: string | null;
  place_of_birth?: string | null;
  known_for_department?: string | null;
  profile_path?: string | null;
}

/** Blocks that can be appended to a movie detail call. */
export const MOVIE_BLOCKS = ['credits', 'videos', 'release_dates', 'recommendations', 'similar'] as const;
export type MovieBlock = (typeof MOVIE_BLOCKS)[number];

export interface TmdbMovieBlocks {
  credits?: TmdbCredits;
  videos?: { results?: TmdbVideo[] | null };
  release_dates?: TmdbReleaseDates;
  recommendations?: TmdbPaged<TmdbMovieListItem>;
  similar?: TmdbPaged<TmdbMovieListItem>;
}

export interface TmdbErrorBody {
  success?: boolean;
  status_code?: number;
  status_message?: string;
}

/** One provider in a region's watch block (/movie/{id}/watch/providers) or list (/watch/providers/movie). */
export interface TmdbWatchProvider {
  provider_id: number;
  provider_name: string;
  logo_path?: string | null;
  display_priority?: number | null;
}

/** A region's block of /movie/{id}/watch/providers: JustWatch's data, by monetization type. */
export interface TmdbWatchRegion {
  /** TMDB's watch page for the film in that region (it links on to the providers). */
  link?: string | null;
  flatrate?: TmdbWatchProvider[];
  rent?: TmdbWatchProvider[];
  buy?: TmdbWatchProvider[];
  free?: TmdbWatchProvider[];
  ads?: TmdbWatchProvider[];
}

/** /movie/{id}/watch/providers: regions (ISO 3166-1) to their blocks. */
export interface TmdbWatchProviders {
  id?: number;
  results?: Record<string, TmdbWatchRegion>;
}
