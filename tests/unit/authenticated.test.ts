import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { authenticatedRootFields, selectsAuthenticated } from '../../gateway/graphql/authenticated';

const supergraph = readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const op = (doc: ReturnType<typeof parse>) => doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

describe('root fields that need a caller (@requiresCaller)', () => {
  const fields = authenticatedRootFields(supergraph);

  it('are every Marquee mutation and the feed-upload reads, read from the composed supergraph', () => {
    expect([...(fields.get('Mutation') ?? [])].sort()).toEqual([
      'deleteRating',
      'followMovie',
      'markNotificationsRead',
      'rateMovie',
      'requestFeedUpload',
      'unfollowMovie',
      'updateNotificationPreferences',
    ]);
    // A provider's own uploads are the only root reads that need a caller.
    expect([...(fields.get('Query') ?? [])].sort()).toEqual(['feedUpload', 'feedUploads']);
  });

  it('are found through aliases, inline fragments and fragment spreads', () => {
    const check = (q: string) => {
      const doc = parse(q);
      return selectsAuthenticated(fields, doc, op(doc));
    };
    expect(check('mutation { x: rateMovie(input: { movieId: "1", score: 5 }) { rating { id } } }')).toBe('rateMovie');
    expect(check('mutation { ... on Mutation { followMovie(movieId: "1") { following } } }')).toBe('followMovie');
    expect(check('mutation { ...M } fragment M on Mutation { ...N } fragment N on Mutation { unfollowMovie(movieId: "1") { following } }')).toBe(
      'unfollowMovie',
    );
    expect(check('{ genres { id } }')).toBeUndefined();
  });

  it('leave a supergraph without the directives alone (public mutations stay public)', () => {
    const plain = authenticatedRootFields('type Mutation { addProduct(name: String): Boolean }');
    const doc = parse('mutation { addProduct(name: "x") }');
    expect(selectsAuthenticated(plain, doc, op(doc))).toBeUndefined();
  });
});
