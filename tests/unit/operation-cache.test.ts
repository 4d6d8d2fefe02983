import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type DocumentNode } from 'graphql';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { rememberOperations } from '../../gateway/apollo-patches/operation-cache';

const supergraph = Supergraph.build(readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
const api = supergraph.apiSchema();
const doc = parse('query A($id: ID!) { movie(id: $id) { ...F } } fragment F on Movie { title }');
/** As executeQueryPlan passes it: a new document object each time around the same definitions. */
const asExecuted = (d: DocumentNode): DocumentNode => ({ kind: Kind.DOCUMENT, definitions: [...d.definitions] });

describe('the Operation executeQueryPlan builds per request, remembered per parsed operation', () => {
  it('builds once for the same definitions, and what it gives is what Apollo builds', () => {
    let built = 0;
    const remembered = rememberOperations((...args) => (built++, operationFromDocument(...args)));
    const a = remembered(api, asExecuted(doc), { validate: false });
    const b = remembered(api, asExecuted(doc), { validate: false });
    expect(b).toBe(a);
    expect(built).toBe(1);
    expect(a.toString()).toBe(operationFromDocument(api, doc, { validate: false }).toString());
  });

  it('builds anew for other definitions, another fragment, another schema, or a validating call', () => {
    let built = 0;
    const remembered = rememberOperations((...args) => (built++, operationFromDocument(...args)));
    remembered(api, asExecuted(doc), { validate: false });
    // The same operation node with a different fragment object (a re-parsed document).
    const other = parse('fragment F on Movie { id }').definitions[0];
    const withOtherFragment: DocumentNode = { kind: Kind.DOCUMENT, definitions: [doc.definitions[0], other] };
    expect(remembered(api, withOtherFragment, { validate: false }).toString()).toContain('id');
    remembered(Supergraph.build(readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8')).apiSchema(), asExecuted(doc), {
      validate: false,
    });
    remembered(api, doc, { operationName: 'A' });
    remembered(api, doc, { operationName: 'A' });
    expect(built).toBe(5);
  });
});
