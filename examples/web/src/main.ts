/**
 * A small page that uses Marquee the way a frontend team would: Apollo Client with the typed
 * documents generated from schema/operations/ (client/generated). No framework: DOM built with
 * textContent only, so nothing from the API is ever interpreted as HTML.
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import {
  FollowMovieDocument,
  MovieDetailDocument,
  PopularMoviesDocument,
  RateMovieDocument,
  UnfollowMovieDocument,
  type MovieDetailQuery,
} from '../../../client/generated/graphql';

const GATEWAY_URL = (import.meta as unknown as { env: Record<string, string | undefined> }).env.VITE_GATEWAY_URL ?? 'http://localhost:4000/graphql';
const TOKEN_KEY = 'marquee.token';

const client = new ApolloClient({
  link: new HttpLink({
    uri: GATEWAY_URL,
    // The token is read per request, so signing in takes effect at once.
    fetch: (input, init) => {
      const token = localStorage.getItem(TOKEN_KEY);
      const headers = new Headers(init?.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      headers.set('apollographql-client-name', 'marquee-example-web');
      headers.set('apollographql-client-version', '1.0.0');
      return fetch(input, { ...init, headers });
    },
  }),
  cache: new InMemoryCache(),
});

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

async function loadMovies() {
  const { data } = await client.query({ query: PopularMoviesDocument, variables: { page: 1 }, fetchPolicy: 'network-only' });
  const list = $('movies');
  list.replaceChildren();
  for (const m of data?.popularMovies.results ?? []) {
    const item = el('li', { 'data-testid': `movie-${m.id}` });
    if (m.poster) item.append(el('img', { src: m.poster.url, alt: `${m.title} poster`, loading: 'lazy' }));
    item.append(el('strong', {}, m.title), el('div', { class: 'muted' }, `${m.year ?? ''} · ${m.genres.map((g) => g.name).join(', ')}`));
    item.append(el('div', { 'data-testid': `summary-${m.id}` }, summary(m.ratingSummary)));
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
    el('p', { 'data-testid': 'detail-followers' }, `${movie.followerCount ?? '?'} follower(s)${movie.viewerIsFollowing ? ' — you follow this film' : ''}`),
  );
  if (!localStorage.getItem(TOKEN_KEY)) {
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

async function openDetail(id: string) {
  const { data } = await client.query({ query: MovieDetailDocument, variables: { id }, fetchPolicy: 'network-only' });
  if (data?.movie) renderDetail(data.movie);
}

function refreshUser() {
  const user = userFromToken(localStorage.getItem(TOKEN_KEY));
  $('whoami').textContent = user ? `signed in as ${user}` : 'not signed in';
}

$('signin').addEventListener('click', () => {
  const token = $<HTMLInputElement>('token').value.trim();
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  refreshUser();
  $('detail').hidden = true;
});

refreshUser();
loadMovies().catch(showError);
