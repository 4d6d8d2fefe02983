import { buildSchema, parse } from 'graphql';
import { deprecatedFields } from '../../gateway/graphql/client-usage';
import { createPartnerLookup, hashApiKey, parsePartnerKeys } from '../../gateway/pipeline/partner-key';

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

describe('partner keys', () => {
  const key = 'mq_0123456789abcdef0123456789abcdef';
  const config = JSON.stringify([{ id: 'acme', tier: 'premium', sha256: hashApiKey(key) }]);
  it('finds a partner by key, from hashes only', () => {
    const find = createPartnerLookup(config);
    expect(find(key)).toEqual({ id: 'acme', tier: 'premium', roles: [] });
    expect(find(key + 'x')).toBeNull();
    expect(find('')).toBeNull();
    expect(config).not.toContain(key);
  });
  it('refuses malformed configuration with a clear message', () => {
    expect(() => parsePartnerKeys('not json')).toThrow(/PARTNER_KEYS must be a JSON array/);
    expect(() => parsePartnerKeys('[{"id":"Acme!","tier":"gold","sha256":"x"}]')).toThrow(/PARTNER_KEYS: 0.id.*0.tier.*0.sha256/);
    expect(() => parsePartnerKeys(`[{"id":"acme","tier":"standard","sha256":"${'a'.repeat(64)}","roles":["admin"]}]`)).toThrow(/0.roles.0/);
  });
  it('reads roles: a provider key carries "provider"', () => {
    const withRoles = JSON.stringify([{ id: 'streamco', tier: 'standard', sha256: hashApiKey(key), roles: ['provider'] }]);
    expect(createPartnerLookup(withRoles)(key)).toEqual({ id: 'streamco', tier: 'standard', roles: ['provider'] });
  });
});
