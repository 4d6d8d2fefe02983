import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { findFreePort, spawnManaged, waitFor, type ManagedProcess } from '../../local/processes';
import { generateGatewayKeys } from '../../platform/identity';
import { GUILD_QUERY } from '../../workloads/guild/query';
import { referenceAnswer } from '../../workloads/guild/reference';
import { startGuildSubgraphs, type GuildSubgraphs } from '../../workloads/guild/subgraphs';
import { composeGuildSupergraph } from '../../workloads/guild/supergraph';

/**
 * Large, deep answers: The Guild's gateways-benchmark supergraph (workloads/guild/: four
 * subgraphs, entities of three types, @requires, @provides) and its query, ~87 KB of nested
 * entities merged from 17 fetches, through stock @apollo/gateway (bench/peers/stock-gateway.ts)
 * and Marquee's gateway with its defaults (Apollo patches, batching, deduplication) and shared
 * answers frozen, so that a write into one fails. The answers must be the same bytes, and the
 * benchmark's query must also give the answer worked out without any gateway (reference.ts).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test-artifacts', 'differential-guild-logs');
const processes: ManagedProcess[] = [];
let subgraphs: GuildSubgraphs;
let marqueeUrl: string;
let stockUrl: string;

async function startGatewayProcess(name: string, args: string[], env: Record<string, string>, url: string): Promise<void> {
  const proc = spawnManaged(process.execPath, ['--import', 'tsx', ...args], { name, env, logFile: path.join(LOGS, `${name}.log`) });
  processes.push(proc);
  const ping = () =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then(
      (r) => r.ok,
      () => false,
    );
  await waitFor(ping, { timeoutMs: 60_000, what: name, failFast: proc.exited });
}

beforeAll(async () => {
  mkdirSync(LOGS, { recursive: true });
  subgraphs = await startGuildSubgraphs();
  const supergraph = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-guild-')), 'supergraph.graphql');
  writeFileSync(supergraph, composeGuildSupergraph(subgraphs.urls));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GATEWAY_SIGNING_KEY: generateGatewayKeys().signingKey,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SUPERGRAPH_PATH: supergraph,
    LOG_LEVEL: 'warn',
  };
  const [marqueePort, stockPort] = [await findFreePort(), await findFreePort()];
  marqueeUrl = `http://127.0.0.1:${marqueePort}/graphql`;
  stockUrl = `http://127.0.0.1:${stockPort}/`;
  await Promise.all([
    startGatewayProcess(
      'marquee',
      [path.join(ROOT, 'gateway', 'main.ts')],
      // The defaults, but for the rate limit (this test sends bursts) and the frozen shared answers.
      { ...env, GATEWAY_PORT: String(marqueePort), METRICS_PORT: '0', RATE_LIMIT_ANONYMOUS: '1000000', SUBGRAPH_FREEZE_SHARED: 'on' },
      marqueeUrl,
    ),
    startGatewayProcess('stock', [path.join(ROOT, 'bench', 'peers', 'stock-gateway.ts')], { ...env, PORT: String(stockPort) }, stockUrl),
  ]);
}, 120_000);

afterAll(async () => {
  for (const p of processes) await p.stop();
  await subgraphs?.stop();
});

interface Op {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
}

async function post(url: string, op: Op): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: op.query, variables: op.variables ?? {} }),
  });
  return `${res.status} ${await res.text()}`;
}

// The benchmark's fragments, for the variations below (each uses all three: unused ones are invalid).
const FRAGMENTS = GUILD_QUERY.slice(0, GUILD_QUERY.indexOf('query TestQuery'));

const VARIATIONS: Op[] = [
  { label: 'the benchmark query', query: GUILD_QUERY },
  {
    label: 'one user, deep, aliased twice',
    query: `${FRAGMENTS}query ($id: ID!) { a: user(id: $id) { ...User reviews { ...Review author { ...User reviews { id product { ...Product } } } } } b: user(id: "4") { id name } }`,
    variables: { id: '2' },
  },
  {
    label: 'me, with __typename and @include',
    query: `${FRAGMENTS}query ($deep: Boolean!) { me { __typename ...User reviews { __typename ...Review product @include(if: $deep) { __typename ...Product reviews { id author { username } } } } } }`,
    variables: { deep: true },
  },
  {
    label: 'every product, shipping estimates and stock only',
    query: `query ($n: Int) { topProducts(first: $n) { upc shippingEstimate inStock weight reviews { product { upc inStock } } } }`,
    variables: { n: 9 },
  },
  {
    label: 'a user that does not exist, and @skip',
    query: `${FRAGMENTS}query ($skip: Boolean!) { user(id: "99") { ...User reviews { ...Review } } users @skip(if: $skip) { id } topProducts(first: 2) { ...Product } }`,
    variables: { skip: true },
  },
];

describe('stock @apollo/gateway and Marquee answer the Guild supergraph alike, byte for byte', () => {
  it.each(VARIATIONS.map((v) => [v.label, v] as const))('%s', async (_label, op) => {
    const [stock, marquee] = await Promise.all([post(stockUrl, op), post(marqueeUrl, op)]);
    expect(stock.startsWith('200 {"data":')).toBe(true);
    expect(marquee).toBe(stock);
  });

  it('the benchmark query gives the reference answer (~87 KB) from both', async () => {
    const expected = `200 ${referenceAnswer(GUILD_QUERY)}\n`;
    expect(expected.length).toBeGreaterThan(80_000);
    const [stock, marquee] = await Promise.all([post(stockUrl, VARIATIONS[0]), post(marqueeUrl, VARIATIONS[0])]);
    expect(stock).toBe(expected);
    expect(marquee).toBe(expected);
  });

  it('40 benchmark queries at once (answers deduplicated and shared, frozen): each one the reference answer', async () => {
    const expected = `200 ${referenceAnswer(GUILD_QUERY)}\n`;
    const answers = await Promise.all(Array.from({ length: 40 }, () => post(marqueeUrl, VARIATIONS[0])));
    expect(answers.filter((a) => a !== expected)).toEqual([]);
  });
});
