/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { freshTables, stackEnv } from '../support/env';
import { launchChromium, rateInPage, serveWebApp, type Site } from '../support/web';

/**
 * The example web client (examples/web), built with Vite and driven in Debian's Chromium against
 * the locally running supergraph: browse, open a film, sign in, rate it and follow it. This stack
 * has no Redis, so no live bus: the page says its subscriptions are refused (web-live.test.ts has
 * them working).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
let stack: Stack;
let site: Site;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  stack = await startStack({
    randomPorts: true,
    env: stackEnv(await freshTables()),
    logDir: path.join(ARTIFACTS, 'web-logs'),
  });
  site = await serveWebApp(stack.gatewayUrl);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stack?.stop();
});

it('browses, signs in, rates and follows a film in a real browser', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(site.url);
  await page.getByTestId('movie-603').waitFor({ timeout: 20_000 });
  expect(await page.locator('#movies li').count()).toBe(20);
  expect(await page.getByTestId('summary-603').textContent()).toBe('no ratings yet');

  await page.getByTestId('movie-603').click();
  await page.getByTestId('detail-title').waitFor();
  expect(await page.getByTestId('detail-title').textContent()).toBe('The Matrix');
  expect(await page.locator('#detail').textContent()).toContain('Keanu Reeves');
  // The detail page subscribes to movieActivity; without a live bus the gateway refuses it, and the page says so.
  await page.waitForFunction(() => document.querySelector('[data-testid=live-error]')?.textContent?.includes('SUBSCRIPTIONS_UNAVAILABLE'));
  expect(await page.getByTestId('live-error').textContent()).toBe(
    'Live updates stopped: SUBSCRIPTIONS_UNAVAILABLE — this gateway serves no live updates: try again later',
  );

  await page.fill('#token', await makeToken('web-user'));
  await page.click('#signin');
  expect(await page.textContent('#whoami')).toBe('signed in as web-user');
  await page.getByTestId('movie-603').click();
  await rateInPage(page, '8.5', 'Still bends my mind.');
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
