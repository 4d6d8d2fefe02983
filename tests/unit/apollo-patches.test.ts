import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TESTED_VERSIONS, versionMismatches } from '../../gateway/apollo-patches';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Installs the patches in a process of its own (jest has its own module registry; the gateway
 * runs on Node's), then reports what Apollo's modules hold and what was logged.
 */
function installIn(setting: 'on' | 'off', fakeVersion?: string, skip: string[] = []) {
  const script = `
    const logged = [];
    const logger = { info: (o, m) => logged.push(['info', m]), warn: (o, m) => logged.push(['warn', m]) };
    const { installApolloPatches } = require('./gateway/apollo-patches');
    const read = ${fakeVersion ? `(pkg) => pkg === '@apollo/query-planner' ? '${fakeVersion}' : require(pkg + '/package.json').version` : 'undefined'};
    const outcomes = installApolloPatches('${setting}', logger, read, ${JSON.stringify(skip)});
    const shaping = require('@apollo/gateway/dist/resultShaping').computeResponse;
    const ours = require('./gateway/apollo-patches/result-shaping').computeResponse;
    const merged = require('@apollo/gateway/dist/utilities/deepMerge').deepMerge === require('./gateway/apollo-patches/deep-merge').deepMerge;
    const executes = require('@apollo/gateway/dist/executeQueryPlan').executeQueryPlan.name;
    const fi = require('@apollo/federation-internals');
    console.log(JSON.stringify({
      outcomes, logged,
      shapingReplaced: shaping === ours,
      mergeReplaced: merged,
      executeReplaced: executes !== 'executeQueryPlan',
      flattened: typeof Object.getOwnPropertyDescriptor(fi, 'isListType').get !== 'function',
      operationCache: fi.operationFromDocument.name !== 'operationFromDocument',
    }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).not.toMatch(/Error/);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

describe('the fence around Apollo internals (gateway/apollo-patches)', () => {
  it('pins the versions package.json pins', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package.json the gateway runs with, read as Node reads it
    const pkg = require('../../package.json') as { dependencies: Record<string, string> };
    for (const [name, version] of Object.entries(TESTED_VERSIONS)) expect(pkg.dependencies[name]).toBe(version);
    expect(versionMismatches()).toEqual([]);
    expect(versionMismatches((p) => (p === '@apollo/gateway' ? '2.15.0' : TESTED_VERSIONS[p]))).toEqual(['@apollo/gateway 2.15.0 (tested: 2.14.4)']);
  });

  it('installs every patch when on, logging each outcome once', () => {
    const r = installIn('on');
    expect(r.outcomes).toEqual(
      ['flatten-exports', 'result-shaping', 'deep-merge', 'execute-plan', 'operation-cache', 'answer-sharing'].map((patch) => ({ patch, installed: true })),
    );
    expect(r.logged).toHaveLength(6);
    expect(r).toMatchObject({ mergeReplaced: true, executeReplaced: true, shapingReplaced: true, flattened: true, operationCache: true });
  });

  it('leaves out the patches APOLLO_PATCHES_SKIP names, one by one, and installs the rest', () => {
    const r = installIn('on', undefined, ['deep-merge', 'execute-plan']);
    expect(r.outcomes.filter((o: { installed: boolean }) => !o.installed)).toEqual([
      { patch: 'deep-merge', installed: false, reason: 'skipped (APOLLO_PATCHES_SKIP)' },
      { patch: 'execute-plan', installed: false, reason: 'skipped (APOLLO_PATCHES_SKIP)' },
    ]);
    expect(r).toMatchObject({ mergeReplaced: false, executeReplaced: false, shapingReplaced: true, flattened: true, operationCache: true });
  });

  it('leaves Apollo untouched when off', () => {
    const r = installIn('off');
    expect(r.outcomes).toEqual([]);
    expect(r).toMatchObject({ mergeReplaced: false, executeReplaced: false, shapingReplaced: false, flattened: false, operationCache: false });
  });

  it('runs unpatched, saying so in one line, over versions it was not tested against', () => {
    const r = installIn('on', '2.99.0');
    expect(r.outcomes).toEqual([]);
    expect(r.logged).toEqual([['warn', expect.stringContaining('@apollo/query-planner 2.99.0 (tested: 2.14.4)')]]);
    expect(r).toMatchObject({ mergeReplaced: false, executeReplaced: false, shapingReplaced: false, flattened: false, operationCache: false });
  });
});
