import { MOVIE_CACHE_TAG_FORMAT, invalidationOfEvent } from '../../platform/cache-invalidation';
import {
  dependency,
  dependencyOf,
  entityDependencies,
  entityEntryKey,
  keyOf,
  parseInvalidation,
  renderCacheTag,
  stableJson,
} from '../../gateway/entity-cache/tags';

describe('entity cache vocabulary', () => {
  it('renders Apollo @cacheTag formats from an entity key', () => {
    expect(renderCacheTag('movie-{$key.id}', { id: '550' })).toBe('movie-550');
    expect(renderCacheTag('offer-{$key.movie.id}-{$key.region}', { movie: { id: 7 }, region: 'FR' })).toBe('offer-7-FR');
    expect(renderCacheTag('movies', { id: '1' })).toBe('movies');
    // A missing or non-scalar field never renders a tag shared with other entities.
    expect(renderCacheTag('movie-{$key.id}', { slug: 'x' })).toBeUndefined();
    expect(renderCacheTag('movie-{$key.id}', { id: { a: 1 } })).toBeUndefined();
  });

  it('treats key field order as irrelevant and drops __typename', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(keyOf({ __typename: 'Movie', id: '550' })).toEqual({ id: '550' });
    expect(dependency.entity('Movie', { id: '1', r: 'FR' })).toBe(dependency.entity('Movie', { r: 'FR', id: '1' }));
  });

  it('makes an entity entry depend on its subgraph, type, entity and tags', () => {
    const formats = new Map([['Movie', ['movie-{$key.id}', 'catalogue']]]);
    expect(entityDependencies('ratings', 'Movie', { id: '550' }, formats)).toEqual([
      's:ratings',
      't:ratings:Movie',
      'e:Movie:{"id":"550"}',
      'g:movie-550',
      'g:catalogue',
    ]);
  });

  it('accepts Apollo Router invalidation bodies and maps each request to one generation', () => {
    const parsed = parseInvalidation([
      { kind: 'subgraph', subgraph: 'movies' },
      { kind: 'type', subgraph: 'ratings', type: 'Movie' },
      { kind: 'entity', subgraph: 'ratings', type: 'Movie', key: { id: '550' } },
      { kind: 'cache_tag', subgraphs: ['ratings'], cache_tag: 'movie-550' },
    ]);
    expect('requests' in parsed).toBe(true);
    if (!('requests' in parsed)) return;
    expect(parsed.requests.map(dependencyOf)).toEqual(['s:movies', 't:ratings:Movie', 'e:Movie:{"id":"550"}', 'g:movie-550']);
    // An entity invalidation reaches what the tag-less entity depends on.
    const deps = entityDependencies('ratings', 'Movie', { id: '550' }, new Map());
    expect(deps).toContain(dependencyOf(parsed.requests[2]));
  });

  it('refuses malformed invalidation requests, naming the index', () => {
    expect(parseInvalidation([])).toEqual({ error: 'expected 1 to 1000 invalidation requests' });
    expect(parseInvalidation([{ kind: 'subgraph', subgraph: 'a' }, { kind: 'nope' }])).toEqual({
      error: '[1].kind: expected subgraph, type, entity or cache_tag',
    });
    expect(parseInvalidation({ kind: 'entity', subgraph: 'a', type: 'Movie', key: {} })).toEqual({
      error: "[0].key: expected the entity's key fields",
    });
    expect(parseInvalidation({ kind: 'cache_tag', cache_tag: '' })).toEqual({
      error: '[0].cache_tag: expected a tag',
    });
  });

  it('changes an entry key when any generation or the scope changes', () => {
    const base = { subgraph: 'ratings', type: 'Movie', key: { id: '1' }, selectionHash: 'h', scope: 'public' };
    const a = entityEntryKey({ ...base, generations: [null, 3] });
    expect(a).toBe(entityEntryKey({ ...base, generations: [0, 3] }));
    expect(a).not.toBe(entityEntryKey({ ...base, generations: [0, 4] }));
    expect(a).not.toBe(entityEntryKey({ ...base, scope: 'user:alice', generations: [0, 3] }));
  });
});

describe('domain events to invalidations', () => {
  it('makes a rating event invalidate its film entity and movie tag, from its commit time', () => {
    const { deps, committedAt } = invalidationOfEvent({
      schemaVersion: 1,
      eventId: '2026-11-23T10:15:00.123Z~3f9a1c0d5e7b2a41',
      eventType: 'RatingCreated',
      movieId: '550',
      userId: 'alice',
      score: 9,
      hasReview: true,
      occurredAt: '2026-11-23T10:15:00.123Z',
    });
    expect(committedAt).toBe(Date.parse('2026-11-23T10:15:00.123Z'));
    // Whatever a cached Movie:550 entry depends on is among what the event bumps.
    const entry = entityDependencies('ratings', 'Movie', { id: '550' }, new Map([['Movie', [MOVIE_CACHE_TAG_FORMAT]]]));
    expect(entry).toEqual(expect.arrayContaining(deps));
    expect(deps).not.toContain(dependency.entity('Movie', { id: '551' }));
  });

  it('makes a follow or unfollow invalidate the same film (its followerCount)', () => {
    const { deps } = invalidationOfEvent({
      schemaVersion: 1,
      eventId: '2026-11-23T10:16:00.000Z~0000000000000001',
      eventType: 'MovieUnfollowed',
      movieId: '680',
      userId: 'bob',
      occurredAt: '2026-11-23T10:16:00.000Z',
    });
    expect(deps).toEqual([dependency.entity('Movie', { id: '680' }), dependency.tag('movie-680')]);
  });
});
