import { generateGatewayKeys } from '../../platform/identity';
import { loadGatewayConfig } from '../../gateway/config';
import { loadMoviesConfig } from '../../subgraphs/movies/config';
import { loadRatingsConfig } from '../../subgraphs/ratings/config';
import { loadNotificationsConfig } from '../../subgraphs/notifications/config';
import { ConfigError } from '../../platform/config';

const tmdb = { TMDB_ACCESS_TOKEN: 't' };
const keys = generateGatewayKeys();

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const g = loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect(g.GATEWAY_PORT).toBe(4000);
    expect(g.introspection).toBe(true);
    expect(g.SUBGRAPH_CACHE).toBe('on');
    expect(loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), SUBGRAPH_CACHE: 'off' }).SUBGRAPH_CACHE).toBe('off');
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), SUBGRAPH_CACHE: 'yes' })).toThrow(/SUBGRAPH_CACHE/);
    expect(g.SUBGRAPH_ENTITY_CACHE).toBe('on');
    expect(loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), SUBGRAPH_ENTITY_CACHE: 'off' }).SUBGRAPH_ENTITY_CACHE).toBe('off');
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), SUBGRAPH_ENTITY_CACHE: 'yes' })).toThrow(/SUBGRAPH_ENTITY_CACHE/);
    // The operators' invalidation endpoint is off unless a long enough token is set.
    expect(g.CACHE_INVALIDATION_TOKEN).toBeUndefined();
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), CACHE_INVALIDATION_TOKEN: 'short' })).toThrow(/CACHE_INVALIDATION_TOKEN/);
    // Patches left out one by one: a list of known names, nothing by default.
    expect(g.APOLLO_PATCHES_SKIP).toEqual([]);
    expect(loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), APOLLO_PATCHES_SKIP: 'deep-merge, execute-plan' }).APOLLO_PATCHES_SKIP).toEqual([
      'deep-merge',
      'execute-plan',
    ]);
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), APOLLO_PATCHES_SKIP: 'deep-merge,nonsense' })).toThrow(/APOLLO_PATCHES_SKIP/);
    expect(loadMoviesConfig(tmdb).MOVIES_PORT).toBe(4001);
    expect(loadMoviesConfig(tmdb).TMDB_BASE_URL).toBe('https://api.themoviedb.org/3');
    expect(loadRatingsConfig(tmdb).RATINGS_PORT).toBe(4002);
    expect(loadNotificationsConfig(tmdb).NOTIFICATIONS_PORT).toBe(4003);
  });

  it('names the variable and the problem for a bad value', () => {
    expect(() => loadMoviesConfig({ ...tmdb, MOVIES_PORT: 'abc' })).toThrow(/movies: invalid configuration: MOVIES_PORT/);
    expect(() => loadMoviesConfig({ ...tmdb, TMDB_BASE_URL: 'not a url' })).toThrow(/TMDB_BASE_URL/);
    expect(() => loadMoviesConfig({ ...tmdb, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: must be a redis/);
    expect(() => loadMoviesConfig({})).toThrow(/TMDB_ACCESS_TOKEN/);
    expect(() => loadGatewayConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32/);
    expect(() => loadGatewayConfig({})).toThrow(ConfigError);
    // Checked with the rest of the configuration, before the gateway starts anything.
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), PARTNER_KEYS: '[{"id":"acme"}]' })).toThrow(/PARTNER_KEYS: 0.tier/);
  });

  it('refuses to run in production without its secrets', () => {
    expect(() => loadMoviesConfig({ ...tmdb, NODE_ENV: 'production' })).toThrow(/GATEWAY_PUBLIC_KEY is required/);
    expect(() => loadNotificationsConfig({ ...tmdb, NODE_ENV: 'production', GATEWAY_PUBLIC_KEY: keys.publicKey })).toThrow(/CURSOR_SECRET is required/);
    expect(() => loadRatingsConfig({ ...tmdb, NODE_ENV: 'production', GATEWAY_PUBLIC_KEY: keys.publicKey })).toThrow(/CURSOR_SECRET is required/);
    expect(() => loadNotificationsConfig({ ...tmdb, NODE_ENV: 'production', GATEWAY_PUBLIC_KEY: keys.publicKey, CURSOR_SECRET: 'c'.repeat(32) })).toThrow(
      /SNS_TOPIC_ARN/,
    );
    expect(loadMoviesConfig({ ...tmdb, NODE_ENV: 'production', GATEWAY_PUBLIC_KEY: keys.publicKey })).not.toHaveProperty('CURSOR_SECRET');
    const g = loadGatewayConfig({
      NODE_ENV: 'production',
      GATEWAY_SIGNING_KEY: keys.signingKey,
      JWT_SECRET: 'j'.repeat(32),
      JWT_ALLOW_HS256_IN_PRODUCTION: 'true',
    });
    expect(g.introspection).toBe(false);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), JWT_ALLOW_HS256_IN_PRODUCTION: 'true' })).toThrow(
      /GATEWAY_SIGNING_KEY is required/,
    );
  });

  it('gives the subgraphs a public key only: a private one in GATEWAY_PUBLIC_KEY stops them at start', () => {
    expect(() => loadMoviesConfig({ ...tmdb, GATEWAY_PUBLIC_KEY: keys.signingKey })).toThrow(/GATEWAY_PUBLIC_KEY: is a private key/);
    expect(() => loadMoviesConfig({ ...tmdb, GATEWAY_PUBLIC_KEY: 's'.repeat(64) })).toThrow(/GATEWAY_PUBLIC_KEY: must be/);
    expect(() => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), GATEWAY_SIGNING_KEY: keys.publicKey })).toThrow(/GATEWAY_SIGNING_KEY: must be/);
    expect(loadMoviesConfig({ ...tmdb, GATEWAY_PUBLIC_KEY: keys.publicKey }).GATEWAY_PUBLIC_KEY).toBe(keys.publicKey);
  });

  it('reads TRUST_PROXY as Express means it: hop counts as numbers, validated lists', () => {
    const g = (v: string) => loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32), TRUST_PROXY: v }).TRUST_PROXY;
    expect(g('1')).toBe(1);
    expect(g('0')).toBe(0);
    expect(g('true')).toBe(true);
    expect(g('false')).toBe(false);
    expect(loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) }).TRUST_PROXY).toEqual(['loopback']);
    expect(g('loopback, 10.0.0.0/16,fd00::/8, 192.168.1.7')).toEqual(['loopback', '10.0.0.0/16', 'fd00::/8', '192.168.1.7']);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0', 'loopback,,', '1.5', '-1', '999']) {
      expect(() => g(bad)).toThrow(/gateway: invalid configuration: TRUST_PROXY: /);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadMoviesConfig({ ...tmdb, MOVIES_PORT: '' }).MOVIES_PORT).toBe(4001);
  });
});
