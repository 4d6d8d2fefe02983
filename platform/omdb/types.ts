/**
 * OMDb's answer to `GET /?i=<imdb id>` as it arrives: every value is a string, `"N/A"` when OMDb
 * does not know it, numbers with thousands separators. Only the fields Marquee reads are named.
 */
export interface OmdbBody {
  Response?: string;
  Error?: string;
  Title?: string;
  Year?: string;
  imdbID?: string;
  imdbRating?: string;
  imdbVotes?: string;
  Metascore?: string;
  Ratings?: { Source?: string; Value?: string }[];
  [field: string]: unknown;
}

/** The outside sources of a film's ratings, as the API names them. */
export type RatingSource = 'IMDB' | 'ROTTEN_TOMATOES' | 'METACRITIC' | 'TMDB';

/** One source's rating of a film: its own text, and the same on a 0–100 scale. */
export interface SourceRating {
  source: RatingSource;
  /** As the source shows it: `8.8/10`, `79%`, `66/100`. */
  value: string;
  /** 0–100. */
  score: number;
  /** How many votes the rating is made of, where the source says (IMDb, TMDB). */
  votes: number | null;
}

/** What Marquee keeps of one OMDb answer (cached as it is). */
export interface OmdbRatings {
  imdbId: string;
  title: string | null;
  /** IMDb, Rotten Tomatoes and Metacritic, in that order, each only when OMDb has a value. */
  ratings: SourceRating[];
}
