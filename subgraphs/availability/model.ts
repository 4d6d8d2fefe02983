import type { FeedError, FeedUploadStatus, VideoQuality, WatchOptionSource, WatchOptionType } from './generated/resolvers';

/** A film known only by id: the movies subgraph owns the rest of its fields. */
export interface MovieRef {
  id: string;
}

export interface ProviderShape {
  id: string;
  name: string;
  logo: string | null;
}

/** A watch option as resolved (from TMDB or a feed); the schema's fields one to one. */
export interface WatchOptionItem {
  provider: ProviderShape;
  type: WatchOptionType;
  price: { amount: number; currency: string } | null;
  quality: VideoQuality | null;
  link: string | null;
  source: WatchOptionSource;
  attribution: string | null;
  updatedAt: string | null;
}

/** One offer as a feed version stores it, under its film. */
export interface StoredOffer {
  region: string;
  type: WatchOptionType;
  price?: number;
  currency?: string;
  quality?: VideoQuality;
  link?: string;
}

/** An upload record (table.ts): status, what arrived, what was found. */
export interface UploadItem {
  id: string;
  partnerId: string;
  /** The S3 object the presigned URL writes. */
  objectKey: string;
  status: FeedUploadStatus;
  createdAt: string;
  updatedAt: string;
  /** The ETag of the file last processed: a message for the same ETag again changes nothing. */
  etag?: string;
  offerCount?: number;
  unchanged?: boolean;
  errors?: FeedError[];
}
