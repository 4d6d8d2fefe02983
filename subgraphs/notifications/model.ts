/** A film known only by id: the movies subgraph owns the rest of its fields. */
export interface MovieRef {
  id: string;
}
