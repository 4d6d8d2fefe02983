/// <reference lib="dom" />
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { freshTables, stackEnv } from '../support/env';

/**
 * The example web client (examples/web), built with Vite and driven in Debian's Chromium against
 * the locally running supergraph: browse, open a film, sign in, rate it and follow it.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
let stack: Stack;
let site: http.Server;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM) throw new Error("Chromium is required for this test: install it with 'sudo apt-get install -y chromium' (.ci/run does)");
  stack = await startStack({
    randomPorts: true,
    env: stackEnv(await freshTables()),
    logDir: path.join(ARTIFACTS, 'web-logs'),
  });

  const out = mkdtempSync(path.join(tmpdir(), 'marquee-web-'));
  const build = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'examples/web', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      env: { ...process.env, VITE_GATEWAY_URL: stack.gatewayUrl },
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`vite build failed: ${build.stderr}`);

  site = http.createServer((req, res) => {
    const file = path.join(out, req.url === '/' || !req.url ? 'index.html' : path.normalize(req.url.split('?')[0]));
    if (!file.startsWith(out) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  // Without a site (set-up failed early) there is nothing to close, and nothing to wait for.
  if (site) await new Promise((r) => site.close(r));
  await stack?.stop();
});

it('browses, signs in, rates and follows a film in a real browser', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(siteUrl);
  await page.getByTestId('movie-603').waitFor({ timeout: 20_000 });
  expect(await page.locator('#movies li').count()).toBe(20);
  expect(await page.getByTestId('summary-603').textContent()).toBe('no ratings yet');

  await page.getByTestId('movie-603').click();
  await page.getByTestId('detail-title').waitFor();
  expect(await page.getByTestId('detail-title').textContent()).toBe('The Matrix');
  expect(await page.locator('#detail').textContent()).toContain('Keanu Reeves');

  await page.fill('#token', await makeToken('web-user'));
  await page.click('#signin');
  expect(await page.textContent('#whoami')).toBe('signed in as web-user');
  await page.getByTestId('movie-603').click();
  await page.getByTestId('score').selectOption('8.5');
  await page.fill('[data-testid=review]', 'Still bends my mind.');
  await page.getByTestId('rate').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-summary]')?.textContent?.includes('(1 rating)'));
  expect(await page.getByTestId('detail-summary').textContent()).toBe('★ 8.5 (1 rating)');
  await page.waitForFunction(() => document.querySelector('[data-testid=summary-603]')?.textContent === '★ 8.5 (1 rating)');

  await page.getByTestId('follow').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=detail-followers]')?.textContent?.includes('you follow this film'));
  expect(await page.getByTestId('detail-followers').textContent()).toBe('1 follower(s) — you follow this film');
  expect(await page.getByTestId('follow').textContent()).toBe('Unfollow');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'web.png'), fullPage: true });
  expect(errors).toEqual([]);
}, 120_000);
