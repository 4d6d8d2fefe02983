/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Stack } from '../../local/stack';
import { makeToken } from '../../scripts/token';
import { callSubgraph } from '../support/graphql';
import { startLiveStack, type LiveStack } from '../support/live';
import { launchChromium, rateInPage, serveWebApp, type Site } from '../support/web';

/**
 * Issue #20's "done when": the example web client in two browser tabs as two users (two
 * Chromium contexts: separate localStorage, separate WebSockets), against the stack's processes
 * with a live bus. One follows a film, the other rates it; the first sees the notification and
 * the new rating summary without a reload, and so does an anonymous third tab.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
let stack: Stack;
let tokens: Record<string, string>;
let rate: LiveStack['rate'];
let site: Site;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  ({ stack, tokens, rate } = await startLiveStack(9, path.join(ARTIFACTS, 'web-live-logs')));
  site = await serveWebApp(stack.gatewayUrl);
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await site?.close();
  await stack?.stop();
});

/** A tab of its own (its own localStorage), with the page's uncaught errors collected. */
async function tab(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(site.url);
  await page.getByTestId('movie-603').waitFor({ timeout: 20_000 });
  // Gone after a reload: proves the page was never reloaded.
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));
  return { page, errors };
}

async function signIn(page: Page, token: string) {
  await page.fill('#token', token);
  await page.click('#signin');
}

/** Waits until the element reads `expected`; a timeout names the element and what it read instead. */
async function textOf(page: Page, testId: string, expected: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(([id, text]) => document.querySelector(`[data-testid=${id}]`)?.textContent === text, [testId, expected] as const, { timeout });
  } catch (err) {
    const actual = await page.evaluate((id) => document.querySelector(`[data-testid=${id}]`)?.textContent ?? null, testId);
    throw new Error(`${testId} never read ${JSON.stringify(expected)} (it reads ${JSON.stringify(actual)}): ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The gateway acknowledges a WebSocket, not a subscribe: once the socket is up, give the
 * subscription a moment to be registered before the write it should see (as live-ws.test.ts does).
 */
async function settled(page: Page) {
  await textOf(page, 'live-status', 'live');
  await new Promise((r) => setTimeout(r, 700));
}

async function openFilm(page: Page, id: string) {
  await page.getByTestId(`movie-${id}`).click();
  await page.getByTestId('detail-title').waitFor();
}

it('two users in two tabs: one follows, the other rates, and the first sees it live (badge and summary); an anonymous tab too', async () => {
  const a = await tab();
  const anon = await tab();
  const b = await tab();

  await signIn(a.page, tokens.alice);
  await textOf(a.page, 'badge-count', '0');
  await textOf(a.page, 'badge-latest', 'no notifications yet');

  await openFilm(anon.page, '603');
  await textOf(anon.page, 'detail-summary', 'no ratings yet');
  await textOf(anon.page, 'detail-followers', '0 follower(s)');
  await settled(anon.page);

  await openFilm(a.page, '603');
  await settled(a.page);
  await a.page.getByTestId('follow').click();
  await textOf(a.page, 'detail-followers', '1 follower(s) — you follow this film');
  // The follow reaches the anonymous tab as movieActivity (FOLLOWER_COUNT_CHANGED).
  await textOf(anon.page, 'detail-followers', '1 follower(s)');

  await signIn(b.page, tokens.bob);
  await openFilm(b.page, '603');
  await rateInPage(b.page, '9', 'Still sharp.');
  await textOf(b.page, 'detail-summary', '★ 9 (1 rating)');

  // Tab A: the notification and the new summary, without a reload.
  await textOf(a.page, 'badge-count', '1');
  await textOf(a.page, 'badge-latest', 'bob reviewed The Matrix: 9');
  await textOf(a.page, 'detail-summary', '★ 9 (1 rating)');
  await textOf(anon.page, 'detail-summary', '★ 9 (1 rating)');
  // The film list below reads the same cache entry.
  await textOf(a.page, 'summary-603', '★ 9 (1 rating)');
  await textOf(anon.page, 'summary-603', '★ 9 (1 rating)');
  // The author is not told of their own rating.
  await textOf(b.page, 'badge-count', '0');

  // A second rating: one more on the badge, the summary follows.
  await rateInPage(b.page, '7', '');
  await textOf(a.page, 'badge-count', '2');
  await textOf(a.page, 'badge-latest', 'bob rated The Matrix: 7');
  await textOf(a.page, 'detail-summary', '★ 7 (1 rating)');
  await textOf(anon.page, 'detail-summary', '★ 7 (1 rating)');

  // Marking read empties the badge.
  await a.page.click('#badge-button');
  await textOf(a.page, 'badge-count', '0');

  for (const t of [a, anon, b]) {
    expect(await t.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await t.page.getByTestId('live-error').isHidden()).toBe(true);
    expect(t.errors).toEqual([]);
  }
  expect(await a.page.getByTestId('live-status').textContent()).toBe('live');
  mkdirSync(ARTIFACTS, { recursive: true });
  await a.page.screenshot({ path: path.join(ARTIFACTS, 'web-live.png'), fullPage: true });
}, 120_000);

it('says why when the gateway ends the live updates: an expired token, then a bad one', async () => {
  const t = await tab();
  await signIn(t.page, await makeToken('carol', stack.env.JWT_SECRET, '3s'));
  await textOf(t.page, 'badge-count', '0');
  await textOf(t.page, 'live-error', 'Live updates stopped: TOKEN_EXPIRED — your sign-in expired: sign in again', 15_000);

  await signIn(t.page, 'not-a-token');
  await textOf(t.page, 'live-error', 'Live updates stopped: UNAUTHENTICATED — sign in again');

  // Signing in again starts them afresh.
  await signIn(t.page, tokens.carol);
  await textOf(t.page, 'badge-count', '0');
  await textOf(t.page, 'live-status', 'live');
  expect(await t.page.getByTestId('live-error').isHidden()).toBe(true);
  expect(t.errors).toEqual([]);
}, 60_000);

// Last: it restarts the gateway.
it('a gateway restart: the page reconnects by itself and resumes, so what was written meanwhile still shows', async () => {
  const t = await tab();
  await signIn(t.page, await makeToken('dave', stack.env.JWT_SECRET));
  await openFilm(t.page, '278');
  await t.page.getByTestId('follow').click();
  await textOf(t.page, 'detail-followers', '1 follower(s) — you follow this film');
  await settled(t.page);
  await rate('alice', '278', 5);
  await textOf(t.page, 'badge-count', '1');
  await textOf(t.page, 'detail-summary', '★ 5 (1 rating)');

  await stack.stopService('gateway');
  await t.page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent !== 'live');
  // Written while no gateway runs (straight to the ratings subgraph, signed as the gateway would):
  // only the resume from the last event id can bring it to the page.
  const direct = await callSubgraph(
    stack.urls.ratings,
    stack.env.GATEWAY_SIGNING_KEY,
    'mutation { rateMovie(input: { movieId: "278", score: 4 }) { rating { score } } }',
    {},
    'bob',
  );
  expect(direct.body.errors).toBeUndefined();
  await new Promise((r) => setTimeout(r, 1500));
  await stack.startService('gateway');

  // graphql-ws backs off between attempts (seconds): allow for it.
  await textOf(t.page, 'badge-count', '2', 45_000);
  await textOf(t.page, 'badge-latest', 'bob rated The Shawshank Redemption: 4');
  await textOf(t.page, 'detail-summary', '★ 4.5 (2 ratings)', 15_000);
  await textOf(t.page, 'live-status', 'live');
  expect(await t.page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  expect(await t.page.getByTestId('live-error').isHidden()).toBe(true);
  expect(t.errors).toEqual([]);
}, 120_000);
