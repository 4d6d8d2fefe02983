import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The example web client (examples/web) built with Vite and served, and Debian's Chromium to drive it. */
const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export interface Site {
  url: string;
  close(): Promise<void>;
}

/** Builds examples/web against `gatewayUrl` and serves the build on a free port. */
export async function serveWebApp(gatewayUrl: string): Promise<Site> {
  const out = mkdtempSync(path.join(tmpdir(), 'marquee-web-'));
  const build = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'examples/web', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, env: { ...process.env, VITE_GATEWAY_URL: gatewayUrl }, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`vite build failed: ${build.stderr}`);

  const server = http.createServer((req, res) => {
    const file = path.join(out, req.url === '/' || !req.url ? 'index.html' : path.normalize(req.url.split('?')[0]));
    if (!file.startsWith(out) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error("Chromium is required for this test: install it with 'sudo apt-get install -y chromium' (.ci/run does)");
  return chromium.launch({
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
}

/** Rates the film open on the page's detail view, as a user does: the score, the review (empty: none), Rate. */
export async function rateInPage(page: Page, score: string, review: string): Promise<void> {
  await page.getByTestId('score').selectOption(score);
  await page.fill('[data-testid=review]', review);
  await page.getByTestId('rate').click();
}
