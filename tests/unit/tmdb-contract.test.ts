import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTmdbServer, type TmdbServer } from '../../local/tmdb/server';
import { MemoryCache } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import { TmdbClient } from '../../platform/tmdb/client';
import { TmdbError } from '../../platform/tmdb/errors';

/**
 * Contract checks against real recorded TMDB responses (../shared/fixtures/tmdb, see its
 * SOURCES.md): the local TMDB server answers in the same shapes, and the TMDB client parses the
 * real responses, appended blocks and error bodies included.
 */
const REAL = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'tmdb');
const real = (file: string) => JSON.parse(readFileSync(path.join(REAL, file), 'utf8'));
const haveReal = existsSync(REAL);
const log = createLogger('contract', 'silent');
let local: TmdbServer;

beforeAll(async () => {
  local = await startTmdbServer({ port: 0, accessToken: 't' });
});
afterAll(() => local.close());

async function get(p: string) {
  const res = await fetch(`${local.url}${p}`, { headers: { authorization: 'Bearer t' } });
  return { status: res.status, body: await res.json() };
}
const keys = (o: object) => Object.keys(o).sort();

(haveReal ? describe : describe.skip)('the local TMDB server speaks real TMDB shapes', () => {
  it('movie detail, list items, credits, videos, release dates, people, configuration', async () => {
    const detail = (await get('/movie/550')).body;
    expect(keys(detail)).toEqual(expect.arrayContaining(keys(real('jdrouet/movie-details.json'))));
    const popular = (await get('/movie/popular')).body;
    expect(keys(popular)).toEqual(keys(real('jdrouet/movie-popular.json')));
    expect(keys(popular.results[0])).toEqual(keys(real('jdrouet/movie-popular.json').results[0]));
    const credits = (await get('/movie/550/credits')).body;
    const realCredits = real('jdrouet/movie-credits.json');
    expect(keys(credits)).toEqual(keys(realCredits));
    expect(keys(credits.cast[0])).toEqual(keys(realCredits.cast[0]));
    expect(keys(credits.crew[0])).toEqual(keys(realCredits.crew[0]));
    const videos = (await get('/movie/155/videos')).body;
    expect(keys(videos.results[0])).toEqual(keys(real('jdrouet/movie-videos.json').results[0]));
    const rd = (await get('/movie/550/release_dates')).body;
    const realRd = real('jdrouet/movie-release-dates.json');
    expect(keys(rd.results[0])).toEqual(keys(realRd.results[0]));
    expect(keys(rd.results[0].release_dates[0])).toEqual(keys(realRd.results[0].release_dates[0]));
    expect(keys((await get('/person/287')).body)).toEqual(expect.arrayContaining(keys(real('jdrouet/person-details.json'))));
    const nowPlaying = (await get('/movie/now_playing')).body;
    expect(keys(nowPlaying.dates)).toEqual(keys(real('jdrouet/movie-now-playing.json').dates));
    const config = (await get('/configuration')).body;
    expect(config.images).toEqual(real('c-eg/configuration_details.json').images);
    const personCredits = (await get('/person/287/movie_credits')).body;
    expect(keys(personCredits.cast[0])).toEqual(keys(real('c-eg/people_movie_credits.json').cast[0]));
  });

  it('appends blocks without an id, as TMDB does', async () => {
    const withBlocks = (await get('/movie/550?append_to_response=credits,videos,release_dates,recommendations,similar')).body;
    const realAppended = real('c-eg/movies_details_with_append_to_response.json');
    for (const block of ['credits', 'videos', 'release_dates', 'recommendations', 'similar']) {
      expect({ block, id: withBlocks[block].id }).toEqual({ block, id: realAppended[block].id });
      expect(keys(withBlocks[block])).toEqual(keys(realAppended[block]));
    }
  });

  it('answers errors with TMDB bodies and statuses', async () => {
    const unauthorised = await fetch(`${local.url}/movie/550`);
    expect(unauthorised.status).toBe(401);
    const realAuth = real('jdrouet/invalid-api-key.json');
    expect(await unauthorised.json()).toEqual(realAuth);
    const missing = await get('/movie/999999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject(real('jdrouet/resource-not-found.json'));
  });
});

(haveReal ? describe : describe.skip)('the TMDB client parses real recorded responses', () => {
  let server: http.Server;
  let client: TmdbClient;
  beforeAll(async () => {
    // Serves the recorded files at the paths they were recorded from.
    const routes: Record<string, [number, string]> = {
      '/3/movie/550': [200, 'jdrouet/movie-details.json'],
      '/3/movie/12313': [200, 'c-eg/movies_details_with_append_to_response.json'],
      '/3/movie/popular': [200, 'jdrouet/movie-popular.json'],
      '/3/person/287': [200, 'jdrouet/person-details.json'],
      '/3/movie/1': [404, 'jdrouet/resource-not-found.json'],
      '/3/movie/2': [401, 'jdrouet/invalid-api-key.json'],
    };
    server = http.createServer((req, res) => {
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      res.writeHead(route?.[0] ?? 404, { 'content-type': 'application/json' });
      res.end(route ? readFileSync(path.join(REAL, route[1])) : '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    client = new TmdbClient({
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/3`,
      accessToken: 't',
      timeoutMs: 2000,
      maxRetries: 0,
      maxRetryAfterMs: 0,
      cache: new MemoryCache(),
      logger: log,
    });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('reads a detail, a detail with appended blocks, a list and a person', async () => {
    const [fightClub, appended] = await client.movies([
      { id: '550', blocks: [] },
      { id: '12313', blocks: ['credits', 'videos', 'release_dates', 'recommendations', 'similar'] },
    ]);
    expect(fightClub).not.toBeInstanceOf(TmdbError);
    expect((fightClub as Exclude<typeof fightClub, TmdbError>).detail.title).toBe('Fight Club');
    const a = appended as Exclude<typeof appended, TmdbError>;
    expect(a.blocks.credits?.cast?.length).toBeGreaterThan(0);
    expect(a.blocks.videos?.results).toBeDefined();
    expect(a.blocks.release_dates?.results?.length).toBeGreaterThan(0);
    expect(a.blocks.recommendations?.results).toBeDefined();
    const popular = await client.popular(1);
    expect(popular.results.length).toBeGreaterThan(0);
    expect((await client.person('287')).name).toBe('Brad Pitt');
  });

  it('classifies the real error bodies', async () => {
    const [missing, auth] = await client.movies([
      { id: '1', blocks: [] },
      { id: '2', blocks: [] },
    ]);
    expect((missing as TmdbError).kind).toBe('not_found');
    expect((auth as TmdbError).kind).toBe('auth');
  });
});
