import { buildSchema, parse } from 'graphql';
import { deprecatedFields } from '../../gateway/client-usage';
import { limitCode } from '../../gateway/limits';
import { createPartnerLookup, hashApiKey, parsePartnerKeys } from '../../gateway/partners';

describe('deprecated field usage', () => {
  const schema = buildSchema(`
    type Query { movie: Movie }
    type Movie { title: String, year: Int @deprecated(reason: "Use releaseDate. Removal after 2027-06-01."), releaseDate: String }
  `);
  it('names each deprecated field an operation uses, through fragments too', () => {
    expect(deprecatedFields(schema, parse('{ movie { title year } }'))).toEqual(['Movie.year']);
    expect(deprecatedFields(schema, parse('{ movie { ...F } } fragment F on Movie { year releaseDate }'))).toEqual(['Movie.year']);
    expect(deprecatedFields(schema, parse('{ movie { title } }'))).toEqual([]);
  });
});

describe('operation limit codes', () => {
  it('maps graphql-armor messages to stable codes', () => {
    expect(limitCode('Syntax Error: Query depth limit of 12 exceeded, found 14.')).toBe('QUERY_TOO_DEEP');
    expect(limitCode('Syntax Error: Aliases limit of 30 exceeded, found 60.')).toBe('TOO_MANY_ALIASES');
    // Cost is demand control now (gateway/cost.ts, COST_LIMIT_EXCEEDED), not an armor message.
    expect(limitCode('Syntax Error: Query Cost limit of 5000 exceeded, found 9000.')).toBeUndefined();
    expect(limitCode('Syntax Error: Token limit of 3000 exceeded.')).toBe('TOO_MANY_TOKENS');
    expect(limitCode('Syntax Error: Directives limit of 30 exceeded, found 40.')).toBe('TOO_MANY_DIRECTIVES');
    expect(limitCode('Cannot query field "x" on type "Query".')).toBeUndefined();
  });
});

describe('partner keys', () => {
  const key = 'mq_0123456789abcdef0123456789abcdef';
  const config = JSON.stringify([{ id: 'acme', tier: 'premium', sha256: hashApiKey(key) }]);
  it('finds a partner by key, from hashes only', () => {
    const find = createPartnerLookup(config);
    expect(find(key)).toEqual({ id: 'acme', tier: 'premium' });
    expect(find(key + 'x')).toBeNull();
    expect(find('')).toBeNull();
    expect(config).not.toContain(key);
  });
  it('refuses malformed configuration with a clear message', () => {
    expect(() => parsePartnerKeys('not json')).toThrow(/PARTNER_KEYS must be a JSON array/);
    expect(() => parsePartnerKeys('[{"id":"Acme!","tier":"gold","sha256":"x"}]')).toThrow(/PARTNER_KEYS: 0.id.*0.tier.*0.sha256/);
  });
});
