import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Keeps the benchmark harness working: a seconds-long run of one contender. It asserts the run
 * produced results without errors, never how fast it was (benchmarks are not timed tests).
 */
const ROOT = path.resolve(__dirname, '..', '..');

it('runs the benchmark harness end to end', () => {
  const before = new Set(readdirSync(path.join(ROOT, 'bench', 'results')));
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), '--smoke'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, BENCH_PIN: '0' },
    timeout: 180_000,
  });
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/\| W1 anonymous browse \| warm \| marquee \|/);
  expect(run.stdout).toMatch(/Gateway-bound \(replaying subgraphs\)/);
  const created = readdirSync(path.join(ROOT, 'bench', 'results')).filter((f) => f.endsWith('.json') && !before.has(f));
  expect(created).toHaveLength(1);
  const result = JSON.parse(readFileSync(path.join(ROOT, 'bench', 'results', created[0]), 'utf8'));
  expect(result.failed).toBe(false);
  expect(result.samples.length).toBeGreaterThan(0);
  for (const s of result.samples) {
    expect(s.errors).toBe(0);
    expect(s.requestsPerSecond).toBeGreaterThan(0);
  }
  // Issue #21: within one cache TTL each film costs OMDb one call, however many ask at once.
  expect(run.stdout).toMatch(/OMDb calls per distinct film within one TTL \(\d+ s\): 1 /);
  expect(result.omdbCalls.errors).toBe(0);
  expect(result.omdbCalls.filmsLookedUp).toBeGreaterThan(0);
  expect(result.omdbCalls.requests).toBeGreaterThan(result.omdbCalls.filmsLookedUp);
  expect(result.omdbCalls.callsPerFilm).toBe(1);
  expect(result.omdbCalls.maxCallsForOneFilm).toBe(1);
  // The gateway-bound section ran too, through the replaying subgraphs.
  const gatewayBound = result.samples.filter((s: { mode: string }) => s.mode === 'gateway-bound');
  expect(gatewayBound.length).toBeGreaterThan(0);
  for (const s of gatewayBound) {
    expect(s.errors).toBe(0);
    expect(s.requestsPerSecond).toBeGreaterThan(0);
    expect(s.replayHitRatio).toBeGreaterThan(0);
  }
}, 200_000);
