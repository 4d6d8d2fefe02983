/** A film known only by id: the movies subgraph owns the rest of its fields. */
export interface MovieRef {
  id: string;
}
export interface UserRef {
  id: string;
}
/** A rating known by its id; the ratings subgraph resolves it. */
export interface RatingRef {
  id: string;
}
