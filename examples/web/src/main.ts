/**
 * A small page that uses Marquee the way a frontend team would: Apollo Client with the typed
 * documents generated from schema/operations/ (client/generated). No framework: DOM built with
 * textContent only, so nothing from the API is ever interpreted as HTML. Live parts (live.ts):
 * a notification badge for the signed-in user and the open film's rating summary.
 */
import {
  FollowMovieDocument,
  MovieDetailDocument,
  PopularMoviesDocument,
  RateMovieDocument,
  UnfollowMovieDocument,
  type MovieDetailQuery,
} from '../../../client/generated/graphql';
import { client, onSocketState, reconnect, token, TOKEN_KEY, type SocketState } from './apollo';
import { followMovieActivity, startBadge, watchMovieStats, type BadgeView } from './live';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(err: unknown) {
  const box = $('error');
  box.hidden = false;
  box.textContent = err instanceof Error ? err.message : String(err);
}

function summary(s: { average: number | null; count: number } | null | undefined): string {
  if (!s) return 'ratings unavailable';
  return s.count ? `★ ${s.average} (${s.count} rating${s.count === 1 ? '' : 's'})` : 'no ratings yet';
}

function userFromToken(token: string | null): string | null {
  if (!token) return null;
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string };
    return claims.sub ?? null;
  } catch {
    return null;
  }
}

/** Runs an async click handler; its failure is shown, never left unhandled. */
function onClick(target: HTMLElement, action: () => Promise<void>): void {
  target.addEventListener('click', () => void action().catch(showError));
}

let listWatches: (() => void)[] = [];

async function loadMovies() {
  const { data } = await client.query({ query: PopularMoviesDocument, variables: { page: 1 }, fetchPolicy: 'network-only' });
  const list = $('movies');
  list.replaceChildren();
  listWatches.forEach((stop) => stop());
  listWatches = [];
  for (const m of data?.popularMovies.results ?? []) {
    const item = el('li', { 'data-testid': `movie-${m.id}` });
    if (m.poster) item.append(el('img', { src: m.poster.url, alt: `${m.title} poster`, loading: 'lazy' }));
    item.append(el('strong', {}, m.title), el('div', { class: 'muted' }, `${m.year ?? ''} · ${m.genres.map((g) => g.name).join(', ')}`));
    const line = el('div', { 'data-testid': `summary-${m.id}` }, summary(m.ratingSummary));
    // Kept to the cache: the open film's live events and the viewer's own ratings show here too.
    listWatches.push(watchMovieStats(m.id, (stats) => (line.textContent = summary(stats.ratingSummary))));
    item.append(line);
    onClick(item, () => openDetail(m.id));
    list.append(item);
  }
}

function renderDetail(movie: NonNullable<MovieDetailQuery['movie']>) {
  const box = $('detail');
  box.hidden = false;
  box.replaceChildren(
    el('h2', { 'data-testid': 'detail-title' }, movie.title),
    el(
      'p',
      { class: 'muted' },
      `${movie.releaseDate ?? ''} · ${movie.runtime ?? '?'} min · directed by ${movie.directors.map((d) => d.name).join(', ') || 'unknown'}`,
    ),
    el('p', {}, movie.overview ?? ''),
    el('p', {}, `Cast: ${movie.cast.map((c) => `${c.person.name}${c.character ? ` (${c.character})` : ''}`).join(', ')}`),
    el('p', { 'data-testid': 'detail-summary' }, summary(movie.ratingSummary)),
    el('p', { 'data-testid': 'detail-followers' }, followers(movie.followerCount, movie.viewerIsFollowing)),
  );
  liveDetail(movie);
  if (!token()) {
    box.append(el('p', { class: 'muted' }, 'Sign in to rate or follow.'));
    return;
  }
  const score = el('select', { 'data-testid': 'score' });
  for (let h = 20; h >= 1; h--) score.append(el('option', { value: String(h / 2) }, String(h / 2)));
  if (movie.viewerRating) score.value = String(movie.viewerRating.score);
  const review = el('input', { 'data-testid': 'review', placeholder: 'a short review (optional)', size: '40' });
  review.value = movie.viewerRating?.review ?? '';
  const rate = el('button', { 'data-testid': 'rate' }, movie.viewerRating ? 'Update rating' : 'Rate');
  onClick(rate, async () => {
    await client.mutate({ mutation: RateMovieDocument, variables: { input: { movieId: movie.id, score: Number(score.value), review: review.value || null } } });
    await openDetail(movie.id);
    await loadMovies();
  });
  const follow = el('button', { 'data-testid': 'follow' }, movie.viewerIsFollowing ? 'Unfollow' : 'Follow');
  onClick(follow, async () => {
    await client.mutate({ mutation: movie.viewerIsFollowing ? UnfollowMovieDocument : FollowMovieDocument, variables: { movieId: movie.id } });
    await openDetail(movie.id);
  });
  box.append(el('div', {}, 'Your score: '), score, review, rate, follow);
}

const followers = (count: number | null, following: boolean | null) => `${count ?? '?'} follower(s)${following ? ' — you follow this film' : ''}`;

/** The open film's live part: one movieActivity subscription per film, and the page's text kept to the cache. */
let activity: { movieId: string; stop: () => void } | undefined;
let stopStats: (() => void) | undefined;

function liveDetail(movie: NonNullable<MovieDetailQuery['movie']>) {
  if (activity?.movieId !== movie.id) {
    activity?.stop();
    activity = { movieId: movie.id, stop: followMovieActivity(movie.id, showLiveError) };
  }
  stopStats?.();
  stopStats = watchMovieStats(movie.id, (stats) => {
    $('detail').querySelector('[data-testid=detail-summary]')!.textContent = summary(stats.ratingSummary);
    $('detail').querySelector('[data-testid=detail-followers]')!.textContent = followers(stats.followerCount, movie.viewerIsFollowing);
  });
}

function closeDetail() {
  activity?.stop();
  activity = undefined;
  stopStats?.();
  stopStats = undefined;
  $('detail').hidden = true;
}

async function openDetail(id: string) {
  const { data } = await client.query({ query: MovieDetailDocument, variables: { id }, fetchPolicy: 'network-only' });
  if (data?.movie) renderDetail(data.movie);
}

function refreshUser() {
  const user = userFromToken(token());
  $('whoami').textContent = user ? `signed in as ${user}` : 'not signed in';
}

function showLiveError(message: string) {
  const box = $('live-error');
  box.hidden = false;
  box.textContent = message;
}

function showSocketState(state: SocketState) {
  const text: Record<SocketState['kind'], string> = { connecting: 'live: connecting…', connected: 'live', idle: '', closed: '' };
  $('live-status').textContent = state.kind === 'closed' ? `live: disconnected (${state.code}${state.reason ? ` ${state.reason}` : ''})` : text[state.kind];
}

function showBadge(view: BadgeView) {
  $('badge').hidden = false;
  $('badge').querySelector('[data-testid=badge-count]')!.textContent = String(view.unread);
  $('badge').querySelector('[data-testid=badge-latest]')!.textContent = view.latest ?? 'no notifications yet';
}

let badge: ReturnType<typeof startBadge> | undefined;

function startLive() {
  if (token()) badge = startBadge(showBadge, showLiveError);
}

onClick($('badge-button'), async () => {
  await badge?.markRead();
});

onClick($('signin'), async () => {
  const value = $<HTMLInputElement>('token').value.trim();
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
  refreshUser();
  // The socket authenticated with the old token: end its subscriptions, open a new one, start again.
  badge?.stop();
  badge = undefined;
  closeDetail();
  $('badge').hidden = true;
  $('live-error').hidden = true;
  await reconnect();
  startLive();
});

onSocketState(showSocketState);
refreshUser();
startLive();
loadMovies().catch(showError);
