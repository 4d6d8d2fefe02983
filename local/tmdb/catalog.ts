import { readFileSync } from 'node:fs';
import path from 'node:path';

// The local TMDB stand-in's data (catalog.json) and TMDB's fixed answers.

export interface CatalogMovie {
  id: number;
  imdb_id: string;
  title: string;
  original_title: string;
  original_language: string;
  release_date: string;
  runtime: number;
  genres: { id: number; name: string }[];
  vote_average: number;
  vote_count: number;
  popularity: number;
  poster_path: string | null;
  backdrop_path: string | null;
  tagline: string;
  status: string;
  budget: number;
  revenue: number;
  homepage: string;
  belongs_to_collection: unknown;
  production_companies: unknown[];
  spoken_languages: unknown[];
  certification_us: string;
  cast: { id: number; character: string; order: number }[];
  directors: number[];
  videos: { key: string; name: string; site: string; type: string; official: boolean }[];
  overview: string;
}

export interface CatalogPerson {
  id: number;
  name: string;
  birthday: string | null;
  deathday: string | null;
  place_of_birth: string | null;
  known_for_department: string;
  gender: number;
  profile_path: string | null;
}

export interface Catalog {
  movies: CatalogMovie[];
  people: Record<string, CatalogPerson>;
}

export const GENRES = [
  [28, 'Action'],
  [12, 'Adventure'],
  [16, 'Animation'],
  [35, 'Comedy'],
  [80, 'Crime'],
  [99, 'Documentary'],
  [18, 'Drama'],
  [10751, 'Family'],
  [14, 'Fantasy'],
  [36, 'History'],
  [27, 'Horror'],
  [10402, 'Music'],
  [9648, 'Mystery'],
  [10749, 'Romance'],
  [878, 'Science Fiction'],
  [10770, 'TV Movie'],
  [53, 'Thriller'],
  [10752, 'War'],
  [37, 'Western'],
].map(([id, name]) => ({ id: id as number, name: name as string }));

export const CONFIGURATION = {
  images: {
    base_url: 'http://image.tmdb.org/t/p/',
    secure_base_url: 'https://image.tmdb.org/t/p/',
    backdrop_sizes: ['w300', 'w780', 'w1280', 'original'],
    logo_sizes: ['w45', 'w92', 'w154', 'w185', 'w300', 'w500', 'original'],
    poster_sizes: ['w92', 'w154', 'w185', 'w342', 'w500', 'w780', 'original'],
    profile_sizes: ['w45', 'w185', 'h632', 'original'],
    still_sizes: ['w92', 'w185', 'w300', 'original'],
  },
  change_keys: ['adult', 'biography', 'birthday', 'budget', 'cast', 'crew', 'genres', 'images', 'overview', 'release_dates', 'runtime', 'title', 'videos'],
};

/** TMDB's error bodies, as recorded from the real API. */
export const ERRORS = {
  auth: { status_code: 7, status_message: 'Invalid API key: You must be granted a valid key.', success: false },
  notFound: { success: false, status_code: 34, status_message: 'The resource you requested could not be found.' },
  page: { success: false, status_code: 22, status_message: 'Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.' },
  rateLimit: { status_code: 25, status_message: 'Your request count (#) is over the allowed limit of (40).', success: false },
  server: { success: false, status_code: 11, status_message: 'Internal error: Something went wrong, contact TMDb.' },
};

let cached: Catalog | undefined;
export function loadCatalog(): Catalog {
  cached ??= JSON.parse(readFileSync(path.join(__dirname, 'catalog.json'), 'utf8')) as Catalog;
  return cached;
}
