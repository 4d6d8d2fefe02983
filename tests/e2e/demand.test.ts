import path from 'node:path';
import type { Stack } from '../../local/stack';
import type { ManagedProcess } from '../../local/processes';
import { freshIps, startExtraGateway, startStackBehindProxy } from '../support/extra-gateway';
import { hashApiKey } from '../../gateway/pipeline/partner-key';
import { codes, postGraphQL, type GraphQLResponse } from '../support/graphql';

/**
 * Demand control over HTTP against the four real processes (issue 16): the original attack
 * (`movies(ids:)` under 30 aliases, 100 distinct unknown ids each) refused by cost with the
 * defaults and bounded at TMDB with a high MAX_COST, and rate limits in cost units.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'demand-logs');
const PARTNER_KEY = 'mq_demand_partner_key_0123456789abcdef';
const COST_PER_MINUTE = { anonymous: 350, partner: 750 };
let stack: Stack;
let wide: { proc: ManagedProcess; url: string };
const freshIp = freshIps();

beforeAll(async () => {
  stack = await startStackBehindProxy(
    {
      RATE_LIMIT_ANONYMOUS: '100000',
      RATE_LIMIT_COST_ANONYMOUS: String(COST_PER_MINUTE.anonymous),
      RATE_LIMIT_COST_PARTNER_STANDARD: String(COST_PER_MINUTE.partner),
      PARTNER_KEYS: JSON.stringify([{ id: 'demand', tier: 'standard', sha256: hashApiKey(PARTNER_KEY) }]),
      // The attack's TMDB calls are what is counted here; callers' shares have their own test.
      TMDB_RATE_LIMIT: '1000',
      TMDB_CALLER_SHARE: '1',
    },
    LOGS,
  );
  // A second gateway on the same subgraphs that would run the attack: a high MAX_COST, no cost
  // rate limits, and no gateway caches, so every repeat reaches the movies subgraph.
  wide = await startExtraGateway(
    stack,
    'gateway-wide',
    {
      MAX_COST: '1000000',
      RATE_LIMIT_COST_ANONYMOUS: '',
      RATE_LIMIT_COST_PARTNER_STANDARD: '',
      RESPONSE_CACHE: 'off',
      SUBGRAPH_CACHE: 'off',
      LOG_LEVEL: 'warn',
    },
    LOGS,
  );
}, 180_000);

afterAll(async () => {
  await wide?.proc.stop();
  await stack?.stop();
});

const ALIASES = 30;
/** The attack: each alias its own variable of 100 ids (inline, the document would hit MAX_TOKENS first). */
const ATTACK = `query Attack(${Array.from({ length: ALIASES }, (_, i) => `$ids${i}: [ID!]!`).join(', ')}) { ${Array.from({ length: ALIASES }, (_, i) => `a${i}: movies(ids: $ids${i}) { id title }`).join(' ')} }`;
const unknownIds = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(910_000 + from + i));
const attackVariables = (base: number) => Object.fromEntries(Array.from({ length: ALIASES }, (_, i) => [`ids${i}`, unknownIds(base + i * 100, 100)]));
const tmdbCalls = () => stack.tmdb!.requests.length;

describe('the original attack: movies(ids:) under 30 aliases, 100 distinct unknown ids each', () => {
  it('is refused by cost with the defaults (400 COST_LIMIT_EXCEEDED), and TMDB is not called', async () => {
    stack.tmdb!.resetLog();
    const res = await postGraphQL(stack.gatewayUrl, ATTACK, attackVariables(0), { 'x-forwarded-for': freshIp() });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(res.body.errors![0].extensions!.cost).toEqual({ estimated: expect.any(Number), max: 1000 });
    expect(tmdbCalls()).toBe(0);
  });

  it('with a high MAX_COST, is capped at TMDB_MAX_FETCHES_PER_REQUEST calls, and its repeat calls TMDB no more', async () => {
    const ip = freshIp();
    stack.tmdb!.resetLog();
    const first = await postGraphQL(wide.url, ATTACK, attackVariables(10_000), { 'x-forwarded-for': ip });
    expect(first.status).toBe(200);
    expect(codes(first)).toContain('UPSTREAM_FETCH_LIMIT');
    // 3,000 distinct unknown ids, and TMDB saw at most the cap (100) of them, each once.
    const paths = stack.tmdb!.requests.map((r) => r.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.length).toBeLessThanOrEqual(100);
    expect(new Set(paths).size).toBe(paths.length);

    // The same 100 ids under all 30 aliases: within the cap, answered null (not found), and
    // remembered, so the same request again makes no TMDB call at all (the negative cache).
    const same = `query Same($ids: [ID!]!) { ${Array.from({ length: ALIASES }, (_, i) => `a${i}: movies(ids: $ids) { id }`).join(' ')} }`;
    const ids = unknownIds(50_000, 100);
    stack.tmdb!.resetLog();
    const once = await postGraphQL(wide.url, same, { ids }, { 'x-forwarded-for': ip });
    expect(codes(once)).toEqual([]);
    expect(once.body.data!.a0).toEqual(ids.map(() => null));
    expect(tmdbCalls()).toBe(100);
    stack.tmdb!.resetLog();
    const again = await postGraphQL(wide.url, same, { ids }, { 'x-forwarded-for': ip });
    expect(again.body).toEqual(once.body);
    expect(tmdbCalls()).toBe(0);
  }, 60_000);
});

describe('rate limits in cost units (RATE_LIMIT_COST_*)', () => {
  const QUERY = 'query Costly($ids: [ID!]!) { movies(ids: $ids) { id title } }';
  const variables = { ids: ['550', '238', '240', '680', '155', '272', '49026', '27205', '157336', '1124'] };

  async function spendUntilRefused(headers: Record<string, string>, perMinute: number) {
    const probe = await postGraphQL(stack.gatewayUrl, QUERY, variables, { ...headers, 'x-marquee-cost': 'true' });
    expect(probe.status).toBe(200);
    const estimated = Number((probe.body as { extensions?: { cost?: { estimated?: number } } }).extensions?.cost?.estimated);
    expect(estimated).toBeGreaterThan(1);
    const allowed = Math.floor(perMinute / Math.ceil(estimated));
    const statuses = [200];
    let refused: GraphQLResponse | undefined;
    while (statuses.length <= allowed + 1) {
      const res = await postGraphQL(stack.gatewayUrl, QUERY, variables, headers);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    return { statuses, allowed, refused, estimated };
  }

  it('refuses an anonymous IP with 429 RATE_LIMITED and Retry-After once its cost per minute is spent; another IP goes on', async () => {
    const ip = freshIp();
    const { statuses, allowed, refused } = await spendUntilRefused({ 'x-forwarded-for': ip }, COST_PER_MINUTE.anonymous);
    // Far fewer than the request limit (100,000 a minute): the cost is what ran out.
    expect(statuses).toEqual([...Array<number>(allowed).fill(200), 429, 429]);
    expect(codes(refused!)).toEqual(['RATE_LIMITED']);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused!.body.errors![0].extensions!.retryAfterSeconds).toBe(Number(refused!.headers.get('retry-after')));
    // Another anonymous client is not affected; a cheaper operation of the refused one is
    // refused too (the budget is spent, not the operation too big).
    expect((await postGraphQL(stack.gatewayUrl, QUERY, variables, { 'x-forwarded-for': freshIp() })).status).toBe(200);
    expect((await postGraphQL(stack.gatewayUrl, '{ genres { id } }', {}, { 'x-forwarded-for': ip })).status).toBe(429);
  });

  it("counts a partner's cost in its tier's budget, not its IP's", async () => {
    const ip = freshIp();
    const { statuses, allowed, estimated } = await spendUntilRefused({ 'x-forwarded-for': ip, 'x-api-key': PARTNER_KEY }, COST_PER_MINUTE.partner);
    // More than an anonymous caller would get: the tier's budget, not the IP's.
    expect(allowed).toBeGreaterThan(Math.floor(COST_PER_MINUTE.anonymous / Math.ceil(estimated)));
    expect(statuses).toEqual([...Array<number>(allowed).fill(200), 429, 429]);
    // The same IP without the key is an anonymous caller with its own, unspent budget.
    expect((await postGraphQL(stack.gatewayUrl, QUERY, variables, { 'x-forwarded-for': ip })).status).toBe(200);
  });
});
