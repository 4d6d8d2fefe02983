import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { MovieBlock } from '../../platform/tmdb/types';

/** Which appended TMDB block each Movie field needs. */
const FIELD_BLOCKS: Record<string, MovieBlock> = {
  cast: 'credits',
  directors: 'credits',
  crew: 'credits',
  videos: 'videos',
  trailers: 'videos',
  certification: 'release_dates',
  recommendations: 'recommendations',
  similar: 'similar',
};

/**
 * The blocks the operation selects on the film(s) a field returns, so a root field can fetch a
 * film once with exactly those blocks appended, instead of once to check it exists and again
 * for its cast.
 */
export function selectedBlocks(info: GraphQLResolveInfo): MovieBlock[] {
  const blocks = new Set<MovieBlock>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const block = FIELD_BLOCKS[sel.name.value];
        // recommendations/similar beyond page 1 have their own endpoint.
        if (block && !((block === 'recommendations' || block === 'similar') && hasPageArgument(sel))) blocks.add(block);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(sel.selectionSet, seen);
      } else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visit(info.fragments[sel.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  return [...blocks].sort();
}

function hasPageArgument(field: FieldNode): boolean {
  return (field.arguments ?? []).some((a) => a.name.value === 'page' && !(a.value.kind === Kind.INT && a.value.value === '1'));
}
