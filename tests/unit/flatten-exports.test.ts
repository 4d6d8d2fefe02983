import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FLATTENED_PACKAGES } from '../../gateway/apollo-patches/flatten-exports';

const ROOT = path.resolve(__dirname, '..', '..');

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

describe('flattened Apollo package exports', () => {
  it.each(FLATTENED_PACKAGES)('%s assigns its exports only at load time, so a snapshot of them stays true', (name) => {
    const dist = path.dirname(require.resolve(name, { paths: [ROOT] }));
    const late: string[] = [];
    for (const file of jsFiles(dist)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // An indented assignment to exports is inside a function or block: it could change an export after load.
          if (/^\s+exports\.[\w$]+\s*=[^=]/.test(line) || /^\s+module\.exports\s*=/.test(line)) late.push(`${path.relative(dist, file)}:${i + 1}`);
        });
    }
    expect(late).toEqual([]);
  });

  it('replaces the getters with the same values, before @apollo/gateway loads', () => {
    // A process of its own: jest has its own module registry, the gateway runs on Node's.
    const script = `
      require('./gateway/apollo-patches/flatten-exports').flattenExports();
      const fi = require('@apollo/federation-internals');
      const d = Object.getOwnPropertyDescriptor(fi, 'isListType');
      const { ApolloGateway } = require('@apollo/gateway');
      console.log(JSON.stringify({ getter: typeof d.get, value: typeof d.value, esModule: fi.__esModule, names: Object.keys(fi).length, gateway: typeof ApolloGateway }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/Error/);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(out).toEqual({ getter: 'undefined', value: 'function', esModule: true, names: expect.any(Number), gateway: 'function' });
    expect(out.names).toBeGreaterThan(100);
  });
});
