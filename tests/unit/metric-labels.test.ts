import { OTHER_LABEL, boundedLabel, boundedLabelTuple, manifestOperationNames, subgraphOperationLabel } from '../../platform/metric-labels';

describe('bounded metric labels', () => {
  it('keeps known values and the first ones seen, and calls the rest other', () => {
    const label = boundedLabel({ known: ['PopularMovies'], maxSeen: 3, missing: 'anonymous' });
    expect(label(undefined)).toBe('anonymous');
    expect(['a', 'b', 'c', 'd', 'e'].map(label)).toEqual(['a', 'b', 'c', OTHER_LABEL, OTHER_LABEL]);
    expect(label('b')).toBe('b');
    expect(label('PopularMovies')).toBe('PopularMovies');
    expect(label('x'.repeat(10_000))).toBe(OTHER_LABEL);
  });

  it('caps length and strips characters', () => {
    const label = boundedLabel({ missing: 'unknown' });
    expect(label('web app/1 "x"')).toBe('webapp1x');
    expect(label('y'.repeat(500))).toBe('y'.repeat(64));
    expect(label('%%%')).toBe('unknown');
  });

  it('bounds client name and version as pairs', () => {
    const label = boundedLabelTuple({ maxSeen: 2, missing: 'unknown' });
    expect(label(['web', '1.0'])).toEqual(['web', '1.0']);
    expect(label([undefined, null])).toEqual(['unknown', 'unknown']);
    expect(label(['web', '1.1'])).toEqual([OTHER_LABEL, OTHER_LABEL]);
    expect(label(['web', '1.0'])).toEqual(['web', '1.0']);
  });

  it('knows a subgraph operation named after a manifest operation', () => {
    expect(manifestOperationNames()).toContain('PopularMovies');
    const label = subgraphOperationLabel('ratings', ['PopularMovies']);
    for (let i = 0; i < 200; i++) label(`Junk${i}__ratings__0`);
    expect(label('PopularMovies__ratings__1')).toBe('PopularMovies__ratings__1');
    expect(label('Junk999__ratings__0')).toBe(OTHER_LABEL);
  });
});
