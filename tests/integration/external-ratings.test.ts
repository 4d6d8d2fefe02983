import http from 'node:http';
import Redis from 'ioredis';
import { startOmdbServer, type OmdbServer } from '../../local/omdb/server';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import type { RunningServer } from '../../platform/kit';
import { loadMoviesConfig } from '../../subgraphs/movies/config';
import { startMoviesService } from '../../subgraphs/movies/service';
import { servers } from '../support/env';
import { callSubgraph, codes, testSecret } from '../support/graphql';

/**
 * `Movie.externalRatings` in the movies subgraph against the local TMDB and OMDb stand-ins and a
 * real Redis: the four sources, a film without an IMDb id, and the daily quota spent.
 */
const secret = testSecret();
let tmdb: TmdbServer;
let omdb: OmdbServer;
let movies: RunningServer;
let noImdb: RunningServer;
let proxy: http.Server;
let redis: Redis;

const RATINGS = '{ source value score votes url }';
const q = (server: RunningServer, query: string) => callSubgraph(server.url, secret, query);

/** TMDB as it answers for a film it knows no IMDb id for: the stand-in's answers with imdb_id null. */
async function startNoImdbProxy(upstream: string): Promise<string> {
  proxy = http.createServer((req, res) => {
    void fetch(upstream.replace(/\/3$/, '') + (req.url ?? '/'), { headers: { authorization: req.headers.authorization ?? '' } }).then(async (r) => {
      const body = (await r.json()) as Record<string, unknown>;
      if ('imdb_id' in body) body.imdb_id = null;
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(proxy.address() as { port: number }).port}/3`;
}

const config = (tmdbUrl: string) =>
  loadMoviesConfig({
    MOVIES_PORT: '0',
    MOVIES_METRICS_PORT: '0',
    TMDB_BASE_URL: tmdbUrl,
    TMDB_ACCESS_TOKEN: 'tok',
    TMDB_CALLER_SHARE: '1',
    OMDB_API_KEY: 'omdb-key',
    OMDB_BASE_URL: omdb.url,
    OMDB_DAILY_LIMIT: '3',
    REDIS_URL: servers().redis,
    LOG_LEVEL: 'silent',
  });

beforeAll(async () => {
  tmdb = await startTmdbServer({ accessToken: 'tok' });
  omdb = await startOmdbServer({ apiKey: 'omdb-key' });
  redis = new Redis(servers().redis);
  movies = await startMoviesService(config(tmdb.url), secret);
  noImdb = await startMoviesService(config(await startNoImdbProxy(tmdb.url)), secret);
});

beforeEach(async () => {
  await redis.flushall();
  omdb.resetLog();
  omdb.resetQuota();
});

afterAll(async () => {
  await movies?.stop();
  await noImdb?.stop();
  await new Promise((r) => proxy?.close(r));
  await omdb?.close();
  await tmdb?.close();
  redis?.disconnect();
});

describe('Movie.externalRatings', () => {
  it("answers Fight Club's IMDb, Rotten Tomatoes, Metacritic and TMDB ratings", async () => {
    const res = await q(movies, `{ movie(id: "550") { title externalRatings ${RATINGS} } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.movie).toEqual({
      title: 'Fight Club',
      externalRatings: [
        { source: 'IMDB', value: '8.8/10', score: 88, votes: 2036608, url: 'https://www.imdb.com/title/tt0137523/' },
        { source: 'ROTTEN_TOMATOES', value: '79%', score: 79, votes: null, url: null },
        { source: 'METACRITIC', value: '66/100', score: 66, votes: null, url: null },
        { source: 'TMDB', value: '8.4/10', score: 84, votes: 30500, url: 'https://www.themoviedb.org/movie/550' },
      ],
    });
    expect(omdb.requests.map((r) => r.imdbId)).toEqual(['tt0137523']);
  });

  it('answers TMDB alone for a film without an IMDb id, without asking OMDb', async () => {
    const res = await q(noImdb, `{ movie(id: "550") { title imdbId externalRatings ${RATINGS} } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.movie).toEqual({
      title: 'Fight Club',
      imdbId: null,
      externalRatings: [{ source: 'TMDB', value: '8.4/10', score: 84, votes: 30500, url: 'https://www.themoviedb.org/movie/550' }],
    });
    expect(omdb.requests).toHaveLength(0);
  });

  it('makes one OMDb call for a film that 30 concurrent operations ask for', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => q(movies, '{ movie(id: "603") { externalRatings { source score } } }')));
    for (const a of answers) expect(a.body.data.movie.externalRatings).toHaveLength(4);
    expect(omdb.requests.map((r) => r.imdbId)).toEqual(['tt0133093']);
  });

  it("answers a page of films within the day's quota, one OMDb call per film, and a second time with none", async () => {
    const page = `{ popularMovies { results { id externalRatings { source score } } } }`;
    const first = await callSubgraph(movies.url, secret, page);
    // OMDB_DAILY_LIMIT is 3 here: the first three films have their ratings, the rest the coded error.
    const results = first.body.data.popularMovies.results as { externalRatings: unknown[] | null }[];
    expect(results.filter((r) => r.externalRatings !== null)).toHaveLength(3);
    expect(new Set(codes(first))).toEqual(new Set(['QUOTA_EXCEEDED']));
    expect(omdb.requests).toHaveLength(3);
    omdb.resetLog();
    const again = await callSubgraph(movies.url, secret, page);
    expect((again.body.data.popularMovies.results as { externalRatings: unknown[] | null }[]).filter((r) => r.externalRatings !== null)).toHaveLength(3);
    expect(omdb.requests).toHaveLength(0);
  });

  it('past OMDB_DAILY_LIMIT, the fourth distinct film answers its title with QUOTA_EXCEEDED on its external ratings', async () => {
    const ids = ['550', '238', '680', '155'];
    const answers = [];
    for (const id of ids) answers.push(await q(movies, `{ movie(id: "${id}") { title externalRatings ${RATINGS} } }`));
    for (const a of answers.slice(0, 3)) {
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data.movie.externalRatings.map((r: { source: string }) => r.source)).toContain('IMDB');
    }
    const fourth = answers[3];
    expect(fourth.status).toBe(200);
    expect(fourth.body.data.movie).toEqual({ title: 'The Dark Knight', externalRatings: null });
    expect(fourth.body.errors).toHaveLength(1);
    expect(fourth.body.errors![0]).toMatchObject({
      path: ['movie', 'externalRatings'],
      extensions: { code: 'QUOTA_EXCEEDED', source: 'OMDB', resetsAt: expect.stringMatching(/T00:00:00\.000Z$/) },
    });
    // Only three requests reached OMDb; a film already fetched still answers from the cache.
    expect(omdb.requests).toHaveLength(3);
    const cached = await q(movies, `{ movie(id: "550") { externalRatings { source } } }`);
    expect(cached.body.errors).toBeUndefined();
  });
});
