import { foldRepresentations, unfoldAnswer } from '../../gateway/subgraph-client/representations';
import { runProducts } from '../support/product-subgraph';

/**
 * Folding repeated representations (SUBGRAPH_DEDUPE_REPRESENTATIONS) against a real subgraph
 * schema: the `_entities` answer of the folded request, unfolded, must be what the subgraph
 * answers to the request as the gateway made it — data, and errors with their paths and order.
 */
const run = runProducts;

const rep = (upc: string) => ({ __typename: 'Product', upc });

describe('representation folding', () => {
  it('sends each distinct representation once, keeping the other variables and their order', () => {
    const folding = foldRepresentations({ first: 2, representations: [rep('1'), rep('2'), rep('1'), rep('1'), rep('3'), rep('2')] });
    expect(folding).toBeDefined();
    expect(Object.keys(folding!.variables)).toEqual(['first', 'representations']);
    expect(folding!.variables.representations).toEqual([rep('1'), rep('2'), rep('3')]);
    expect(folding!.positions).toEqual([0, 1, 0, 0, 2, 1]);
  });

  it('leaves alone what has nothing to fold', () => {
    expect(foldRepresentations(undefined)).toBeUndefined();
    expect(foldRepresentations({ id: '1' })).toBeUndefined();
    expect(foldRepresentations({ representations: [rep('1')] })).toBeUndefined();
    expect(foldRepresentations({ representations: [rep('1'), rep('2')] })).toBeUndefined();
    // Same fields in another order are another text: sent twice, as before.
    expect(foldRepresentations({ representations: [rep('1'), { upc: '1', __typename: 'Product' }] })).toBeUndefined();
  });

  it.each([
    ['repeats only', ['1', '2', '1', '2', '2', '10']],
    ['a missing entity repeated', ['gone', '1', 'gone', '1']],
    ['failing entities and a failing field, repeated and interleaved', ['cheap', 'bad', '1', 'cheap', 'bad', 'gone', 'bad', '1', 'cheap']],
  ])('unfolded answer equals the subgraph’s answer to every representation: %s', async (_label, upcs) => {
    const variables = { representations: upcs.map(rep) };
    const want = await run(variables);
    const folding = foldRepresentations(variables)!;
    expect(folding.distinct).toBeLessThan(upcs.length);
    const folded = await run(folding.variables);
    const got = unfoldAnswer(folding, folded.data, folded.errors);
    expect(JSON.parse(JSON.stringify(got.data))).toEqual(want.data);
    expect(JSON.parse(JSON.stringify(got.errors ?? null))).toEqual(want.errors ?? null);
  });

  it('hands on data of the wrong length untouched (the gateway reports it as before), its errors unfolded', () => {
    const folding = foldRepresentations({ representations: [rep('1'), rep('1'), rep('2')] })!;
    const data = { _entities: [{ name: 'x' }] };
    const errors = [{ message: 'm', path: ['_entities', 0] }];
    const got = unfoldAnswer(folding, data, errors);
    expect(got.data).toBe(data);
    expect(got.errors?.map((e) => e.path)).toEqual([
      ['_entities', 0],
      ['_entities', 1],
    ]);
  });

  it('unfolds the errors of a fetch whose data is null (a server that nulls all of it)', () => {
    const folding = foldRepresentations({ representations: ['a', 'x', 'a', 'x'].map(rep) })!;
    const errors = [{ message: 'name is null', path: ['_entities', 1, 'name'] }, { message: 'other' }];
    const got = unfoldAnswer(folding, null, errors);
    expect(got.data).toBeNull();
    expect(got.errors).toEqual([
      { message: 'name is null', path: ['_entities', 1, 'name'] },
      // An error without a position stays after the first one it followed.
      { message: 'other' },
      { message: 'name is null', path: ['_entities', 3, 'name'] },
    ]);
  });
});
