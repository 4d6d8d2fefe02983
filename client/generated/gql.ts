/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query PopularMovies($page: Int! = 1) {\n  popularMovies(page: $page) {\n    page\n    totalPages\n    results {\n      id\n      title\n      year\n      poster(size: W342) {\n        url\n      }\n      genres {\n        id\n        name\n      }\n      tmdbRating {\n        average\n        voteCount\n      }\n      ratingSummary {\n        average\n        count\n      }\n      followerCount\n    }\n  }\n}": typeof types.PopularMoviesDocument,
    "query MovieDetail($id: ID!) {\n  movie(id: $id) {\n    id\n    title\n    originalTitle\n    overview\n    tagline\n    releaseDate\n    runtime\n    genres {\n      name\n    }\n    poster(size: W500) {\n      url\n    }\n    backdrop(size: W1280) {\n      url\n    }\n    tmdbRating {\n      average\n      voteCount\n    }\n    cast(first: 10) {\n      character\n      person {\n        id\n        name\n        profile(size: W185) {\n          url\n        }\n      }\n    }\n    directors {\n      id\n      name\n    }\n    ratingSummary {\n      average\n      count\n      histogram {\n        score\n        count\n      }\n    }\n    viewerRating {\n      score\n      review\n    }\n    followerCount\n    viewerIsFollowing\n  }\n}": typeof types.MovieDetailDocument,
    "query Feed($first: Int! = 20, $after: String) {\n  me {\n    id\n    unreadNotificationCount\n    notifications(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          score\n          createdAt\n          readAt\n          actor {\n            id\n          }\n          movie {\n            id\n            title\n            poster(size: W92) {\n              url\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nmutation MarkNotificationsRead($ids: [ID!], $all: Boolean) {\n  markNotificationsRead(ids: $ids, all: $all) {\n    updated\n    unreadCount\n  }\n}": typeof types.FeedDocument,
    "mutation FollowMovie($movieId: ID!) {\n  followMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}\n\nmutation UnfollowMovie($movieId: ID!) {\n  unfollowMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}": typeof types.FollowMovieDocument,
    "mutation RateMovie($input: RateMovieInput!) {\n  rateMovie(input: $input) {\n    rating {\n      id\n      score\n      review\n      updatedAt\n    }\n    movie {\n      id\n      ratingSummary {\n        average\n        count\n      }\n    }\n  }\n}": typeof types.RateMovieDocument,
    "query MovieReviews($id: ID!, $first: Int! = 10, $after: String, $orderBy: ReviewOrder! = NEWEST) {\n  movie(id: $id) {\n    id\n    reviews(first: $first, after: $after, orderBy: $orderBy) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          score\n          review\n          createdAt\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.MovieReviewsDocument,
    "query SearchMovies($query: String!, $year: Int, $page: Int! = 1) {\n  searchMovies(query: $query, year: $year, page: $page) {\n    page\n    totalPages\n    totalResults\n    results {\n      id\n      title\n      year\n      poster(size: W185) {\n        url\n      }\n    }\n  }\n}": typeof types.SearchMoviesDocument,
};
const documents: Documents = {
    "query PopularMovies($page: Int! = 1) {\n  popularMovies(page: $page) {\n    page\n    totalPages\n    results {\n      id\n      title\n      year\n      poster(size: W342) {\n        url\n      }\n      genres {\n        id\n        name\n      }\n      tmdbRating {\n        average\n        voteCount\n      }\n      ratingSummary {\n        average\n        count\n      }\n      followerCount\n    }\n  }\n}": types.PopularMoviesDocument,
    "query MovieDetail($id: ID!) {\n  movie(id: $id) {\n    id\n    title\n    originalTitle\n    overview\n    tagline\n    releaseDate\n    runtime\n    genres {\n      name\n    }\n    poster(size: W500) {\n      url\n    }\n    backdrop(size: W1280) {\n      url\n    }\n    tmdbRating {\n      average\n      voteCount\n    }\n    cast(first: 10) {\n      character\n      person {\n        id\n        name\n        profile(size: W185) {\n          url\n        }\n      }\n    }\n    directors {\n      id\n      name\n    }\n    ratingSummary {\n      average\n      count\n      histogram {\n        score\n        count\n      }\n    }\n    viewerRating {\n      score\n      review\n    }\n    followerCount\n    viewerIsFollowing\n  }\n}": types.MovieDetailDocument,
    "query Feed($first: Int! = 20, $after: String) {\n  me {\n    id\n    unreadNotificationCount\n    notifications(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          score\n          createdAt\n          readAt\n          actor {\n            id\n          }\n          movie {\n            id\n            title\n            poster(size: W92) {\n              url\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nmutation MarkNotificationsRead($ids: [ID!], $all: Boolean) {\n  markNotificationsRead(ids: $ids, all: $all) {\n    updated\n    unreadCount\n  }\n}": types.FeedDocument,
    "mutation FollowMovie($movieId: ID!) {\n  followMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}\n\nmutation UnfollowMovie($movieId: ID!) {\n  unfollowMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}": types.FollowMovieDocument,
    "mutation RateMovie($input: RateMovieInput!) {\n  rateMovie(input: $input) {\n    rating {\n      id\n      score\n      review\n      updatedAt\n    }\n    movie {\n      id\n      ratingSummary {\n        average\n        count\n      }\n    }\n  }\n}": types.RateMovieDocument,
    "query MovieReviews($id: ID!, $first: Int! = 10, $after: String, $orderBy: ReviewOrder! = NEWEST) {\n  movie(id: $id) {\n    id\n    reviews(first: $first, after: $after, orderBy: $orderBy) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          score\n          review\n          createdAt\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.MovieReviewsDocument,
    "query SearchMovies($query: String!, $year: Int, $page: Int! = 1) {\n  searchMovies(query: $query, year: $year, page: $page) {\n    page\n    totalPages\n    totalResults\n    results {\n      id\n      title\n      year\n      poster(size: W185) {\n        url\n      }\n    }\n  }\n}": types.SearchMoviesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PopularMovies($page: Int! = 1) {\n  popularMovies(page: $page) {\n    page\n    totalPages\n    results {\n      id\n      title\n      year\n      poster(size: W342) {\n        url\n      }\n      genres {\n        id\n        name\n      }\n      tmdbRating {\n        average\n        voteCount\n      }\n      ratingSummary {\n        average\n        count\n      }\n      followerCount\n    }\n  }\n}"): (typeof documents)["query PopularMovies($page: Int! = 1) {\n  popularMovies(page: $page) {\n    page\n    totalPages\n    results {\n      id\n      title\n      year\n      poster(size: W342) {\n        url\n      }\n      genres {\n        id\n        name\n      }\n      tmdbRating {\n        average\n        voteCount\n      }\n      ratingSummary {\n        average\n        count\n      }\n      followerCount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MovieDetail($id: ID!) {\n  movie(id: $id) {\n    id\n    title\n    originalTitle\n    overview\n    tagline\n    releaseDate\n    runtime\n    genres {\n      name\n    }\n    poster(size: W500) {\n      url\n    }\n    backdrop(size: W1280) {\n      url\n    }\n    tmdbRating {\n      average\n      voteCount\n    }\n    cast(first: 10) {\n      character\n      person {\n        id\n        name\n        profile(size: W185) {\n          url\n        }\n      }\n    }\n    directors {\n      id\n      name\n    }\n    ratingSummary {\n      average\n      count\n      histogram {\n        score\n        count\n      }\n    }\n    viewerRating {\n      score\n      review\n    }\n    followerCount\n    viewerIsFollowing\n  }\n}"): (typeof documents)["query MovieDetail($id: ID!) {\n  movie(id: $id) {\n    id\n    title\n    originalTitle\n    overview\n    tagline\n    releaseDate\n    runtime\n    genres {\n      name\n    }\n    poster(size: W500) {\n      url\n    }\n    backdrop(size: W1280) {\n      url\n    }\n    tmdbRating {\n      average\n      voteCount\n    }\n    cast(first: 10) {\n      character\n      person {\n        id\n        name\n        profile(size: W185) {\n          url\n        }\n      }\n    }\n    directors {\n      id\n      name\n    }\n    ratingSummary {\n      average\n      count\n      histogram {\n        score\n        count\n      }\n    }\n    viewerRating {\n      score\n      review\n    }\n    followerCount\n    viewerIsFollowing\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Feed($first: Int! = 20, $after: String) {\n  me {\n    id\n    unreadNotificationCount\n    notifications(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          score\n          createdAt\n          readAt\n          actor {\n            id\n          }\n          movie {\n            id\n            title\n            poster(size: W92) {\n              url\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nmutation MarkNotificationsRead($ids: [ID!], $all: Boolean) {\n  markNotificationsRead(ids: $ids, all: $all) {\n    updated\n    unreadCount\n  }\n}"): (typeof documents)["query Feed($first: Int! = 20, $after: String) {\n  me {\n    id\n    unreadNotificationCount\n    notifications(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          kind\n          score\n          createdAt\n          readAt\n          actor {\n            id\n          }\n          movie {\n            id\n            title\n            poster(size: W92) {\n              url\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nmutation MarkNotificationsRead($ids: [ID!], $all: Boolean) {\n  markNotificationsRead(ids: $ids, all: $all) {\n    updated\n    unreadCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation FollowMovie($movieId: ID!) {\n  followMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}\n\nmutation UnfollowMovie($movieId: ID!) {\n  unfollowMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}"): (typeof documents)["mutation FollowMovie($movieId: ID!) {\n  followMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}\n\nmutation UnfollowMovie($movieId: ID!) {\n  unfollowMovie(movieId: $movieId) {\n    following\n    movie {\n      id\n      followerCount\n      viewerIsFollowing\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RateMovie($input: RateMovieInput!) {\n  rateMovie(input: $input) {\n    rating {\n      id\n      score\n      review\n      updatedAt\n    }\n    movie {\n      id\n      ratingSummary {\n        average\n        count\n      }\n    }\n  }\n}"): (typeof documents)["mutation RateMovie($input: RateMovieInput!) {\n  rateMovie(input: $input) {\n    rating {\n      id\n      score\n      review\n      updatedAt\n    }\n    movie {\n      id\n      ratingSummary {\n        average\n        count\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MovieReviews($id: ID!, $first: Int! = 10, $after: String, $orderBy: ReviewOrder! = NEWEST) {\n  movie(id: $id) {\n    id\n    reviews(first: $first, after: $after, orderBy: $orderBy) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          score\n          review\n          createdAt\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query MovieReviews($id: ID!, $first: Int! = 10, $after: String, $orderBy: ReviewOrder! = NEWEST) {\n  movie(id: $id) {\n    id\n    reviews(first: $first, after: $after, orderBy: $orderBy) {\n      totalCount\n      edges {\n        cursor\n        node {\n          id\n          score\n          review\n          createdAt\n          user {\n            id\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchMovies($query: String!, $year: Int, $page: Int! = 1) {\n  searchMovies(query: $query, year: $year, page: $page) {\n    page\n    totalPages\n    totalResults\n    results {\n      id\n      title\n      year\n      poster(size: W185) {\n        url\n      }\n    }\n  }\n}"): (typeof documents)["query SearchMovies($query: String!, $year: Int, $page: Int! = 1) {\n  searchMovies(query: $query, year: $year, page: $page) {\n    page\n    totalPages\n    totalResults\n    results {\n      id\n      title\n      year\n      poster(size: W185) {\n        url\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;