import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startOmdbServer, type OmdbServer } from '../../local/omdb/server';
import { loadCatalog } from '../../local/tmdb/catalog';
import { OmdbError } from '../../platform/omdb/errors';
import { classifyOmdbError, parseOmdbBody, parseScore, parseVotes } from '../../platform/omdb/parse';
import { computeScores } from '../../subgraphs/ratings/scores';

/**
 * OMDb's strings and errors, the consensus formula, and the local stand-in's answers against
 * OMDb's recorded shape (../shared/fixtures/omdb/SHAPES.md; the answer below is written here in
 * that shape, with the values it records for The Avengers).
 */
const RECORDED_AVENGERS = {
  Title: 'The Avengers',
  Year: '2012',
  Rated: 'PG-13',
  Released: '04 May 2012',
  Runtime: '143 min',
  Genre: 'Action, Sci-Fi',
  Director: 'Joss Whedon',
  Writer: 'Joss Whedon, Zak Penn',
  Actors: 'Robert Downey Jr., Chris Evans, Scarlett Johansson',
  Plot: "Earth's mightiest heroes must come together.",
  Language: 'English, Russian',
  Country: 'United States',
  Awards: 'N/A',
  Poster: 'N/A',
  Ratings: [
    { Source: 'Internet Movie Database', Value: '8.0/10' },
    { Source: 'Rotten Tomatoes', Value: '92%' },
    { Source: 'Metacritic', Value: '69/100' },
  ],
  Metascore: '69',
  imdbRating: '8.0',
  imdbVotes: '1,234,641',
  imdbID: 'tt0848228',
  Type: 'movie',
  DVD: 'N/A',
  BoxOffice: 'N/A',
  Production: 'N/A',
  Website: 'N/A',
  Response: 'True',
};

describe("OMDb's strings", () => {
  it('reads ratings on a 0-100 scale and N/A as nothing', () => {
    expect(parseScore('8.8/10')).toBe(88);
    expect(parseScore('79%')).toBe(79);
    expect(parseScore('66/100')).toBe(66);
    expect(parseScore(' 7.25 / 10 ')).toBe(72.5);
    expect(parseScore('8.8', 10)).toBe(88);
    expect(parseScore('66', 100)).toBe(66);
    for (const none of ['N/A', 'n/a', '', '  ', undefined, null, '-', 'abc', '11/10', '120%', '5/0', '88']) expect(parseScore(none)).toBeNull();
  });

  it('reads vote counts with their thousands separators', () => {
    expect(parseVotes('2,345,678')).toBe(2345678);
    expect(parseVotes('989603')).toBe(989603);
    expect(parseVotes('12')).toBe(12);
    for (const none of ['N/A', '', undefined, '1,23', 'many', '-5']) expect(parseVotes(none)).toBeNull();
  });

  it('parses a recorded answer into IMDb, Rotten Tomatoes and Metacritic', () => {
    expect(parseOmdbBody(RECORDED_AVENGERS, 'tt0848228')).toEqual({
      imdbId: 'tt0848228',
      title: 'The Avengers',
      ratings: [
        { source: 'IMDB', value: '8.0/10', score: 80, votes: 1234641 },
        { source: 'ROTTEN_TOMATOES', value: '92%', score: 92, votes: null },
        { source: 'METACRITIC', value: '69/100', score: 69, votes: null },
      ],
    });
  });

  it('falls back to imdbRating and Metascore when Ratings lacks them, and keeps no source that is N/A', () => {
    const partial = { ...RECORDED_AVENGERS, Ratings: [{ Source: 'Rotten Tomatoes', Value: 'N/A' }], imdbVotes: 'N/A' };
    expect(parseOmdbBody(partial, 'tt0848228')).toMatchObject({
      ratings: [
        { source: 'IMDB', value: '8.0/10', score: 80, votes: null },
        { source: 'METACRITIC', value: '69/100', score: 69, votes: null },
      ],
    });
    const allNa = { ...RECORDED_AVENGERS, Title: 'N/A', Ratings: [], Metascore: 'N/A', imdbRating: 'N/A', imdbVotes: 'N/A' };
    expect(parseOmdbBody(allNa, 'tt0848228')).toEqual({ imdbId: 'tt0848228', title: null, ratings: [] });
  });

  it("understands OMDb's errors by what they mean, whatever the wording or status", () => {
    const kind = (status: number, message?: string) => {
      const e = classifyOmdbError(status, message);
      return [e.kind, e.retryable];
    };
    expect(kind(200, 'Movie not found!')).toEqual(['not_found', false]);
    expect(kind(200, 'Incorrect IMDb ID.')).toEqual(['not_found', false]);
    expect(kind(401, 'Invalid API key!')).toEqual(['auth', false]);
    expect(kind(200, 'No API key provided.')).toEqual(['auth', false]);
    expect(kind(401, 'Request limit reached!')).toEqual(['quota', false]);
    expect(kind(200, 'Daily request limit reached!')).toEqual(['quota', false]);
    expect(kind(401)).toEqual(['auth', false]);
    expect(kind(503)).toEqual(['unavailable', true]);
    expect(kind(200, 'Error getting data.')).toEqual(['unavailable', false]);
    const body = parseOmdbBody({ Response: 'False', Error: 'Request limit reached!' }, 'tt0137523', 401, new Date('2026-01-02T00:00:00Z'));
    expect(body).toBeInstanceOf(OmdbError);
    expect((body as OmdbError).toGraphQLError().extensions).toEqual({ code: 'QUOTA_EXCEEDED', source: 'OMDB', resetsAt: '2026-01-02T00:00:00.000Z' });
  });
});

describe('the consensus (docs/ratings.md)', () => {
  const fightClub = [
    { source: 'IMDB' as const, score: 88, votes: 2_000_000 },
    { source: 'ROTTEN_TOMATOES' as const, score: 79, votes: null },
    { source: 'METACRITIC' as const, score: 66, votes: null },
    { source: 'TMDB' as const, score: 84, votes: 30_000 },
  ];

  it('weights critics and audiences 0.4 each, audiences by their votes', () => {
    const audience = (88 * 2_000_000 + 84 * 30_000) / 2_030_000;
    const s = computeScores(fightClub, { average: null, count: 0 });
    expect(s.critics).toBe(72.5);
    expect(s.audience).toBe(Math.round(audience * 10) / 10);
    expect(s.users).toBeNull();
    expect(s.consensus).toBe(Math.round(((72.5 + audience) / 2) * 10) / 10);
  });

  it("gives Marquee's users up to 0.2, half of it at 10 ratings", () => {
    const base = computeScores(fightClub, { average: null, count: 0 }).consensus!;
    const ten = computeScores(fightClub, { average: 2, count: 10 });
    expect(ten.users).toBe(20);
    const critics = 72.5;
    const audience = (88 * 2_000_000 + 84 * 30_000) / 2_030_000;
    expect(ten.consensus).toBe(Math.round(((0.4 * critics + 0.4 * audience + 0.1 * 20) / 0.9) * 10) / 10);
    expect(ten.consensus!).toBeLessThan(base);
    // One rating moves it less than ten.
    expect(computeScores(fightClub, { average: 2, count: 1 }).consensus!).toBeGreaterThan(ten.consensus!);
  });

  it('uses what there is, and is null with nothing', () => {
    expect(computeScores(null, { average: 7.5, count: 2 })).toEqual({ consensus: 75, critics: null, audience: null, users: 75 });
    expect(computeScores([], { average: null, count: 0 })).toEqual({ consensus: null, critics: null, audience: null, users: null });
    // A source without votes among voted ones: equal weights rather than dropping it.
    expect(
      computeScores(
        [
          { source: 'IMDB', score: 80, votes: null },
          { source: 'TMDB', score: 70, votes: 100 },
        ],
        { average: null, count: 0 },
      ).audience,
    ).toBe(75);
  });
});

describe('the local OMDb stand-in', () => {
  let omdb: OmdbServer;
  beforeAll(async () => {
    omdb = await startOmdbServer({ apiKey: 'k', dailyLimit: 1000 });
  });
  afterAll(() => omdb.close());
  const get = async (query: string) => {
    const res = await fetch(`${omdb.url}?${query}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("answers in OMDb's exact shape: its fields, in its order, every value a string", async () => {
    const { status, body } = await get('apikey=k&i=tt0137523');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(Object.keys(RECORDED_AVENGERS));
    for (const [k, v] of Object.entries(body)) if (k !== 'Ratings') expect(typeof v).toBe('string');
    expect(body).toMatchObject({
      Title: 'Fight Club',
      Year: '1999',
      imdbID: 'tt0137523',
      imdbRating: '8.8',
      imdbVotes: '2,036,608',
      Metascore: '66',
      Ratings: [
        { Source: 'Internet Movie Database', Value: '8.8/10' },
        { Source: 'Rotten Tomatoes', Value: '79%' },
        { Source: 'Metacritic', Value: '66/100' },
      ],
      Response: 'True',
    });
  });

  it("has OMDb's errors", async () => {
    expect(await get('i=tt0137523')).toEqual({ status: 401, body: { Response: 'False', Error: 'No API key provided.' } });
    expect(await get('apikey=nope&i=tt0137523')).toEqual({ status: 401, body: { Response: 'False', Error: 'Invalid API key!' } });
    expect(await get('apikey=k&i=tt9999999')).toEqual({ status: 200, body: { Response: 'False', Error: 'Incorrect IMDb ID.' } });
    expect(await get('apikey=k&t=No%20Such%20Film')).toEqual({ status: 200, body: { Response: 'False', Error: 'Movie not found!' } });
    expect((await get('apikey=k&t=fight%20club')).body.imdbID).toBe('tt0137523');
  });

  it('refuses past its daily limit, per key', async () => {
    const small = await startOmdbServer({ dailyLimit: 2 });
    try {
      const ask = (key: string) =>
        fetch(`${small.url}?apikey=${key}&i=tt0137523`).then(async (r) => [r.status, ((await r.json()) as { Error?: string }).Error]);
      expect(await ask('a')).toEqual([200, undefined]);
      expect(await ask('a')).toEqual([200, undefined]);
      expect(await ask('a')).toEqual([401, 'Request limit reached!']);
      expect(await ask('b')).toEqual([200, undefined]);
    } finally {
      await small.close();
    }
  });

  it('has a well-formed entry for every film of the TMDB catalogue', () => {
    const { films } = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'local', 'omdb', 'catalog.json'), 'utf8')) as {
      films: Record<string, string>[];
    };
    const byId = new Map(films.map((f) => [f.imdbID, f]));
    for (const m of loadCatalog().movies) {
      const f = byId.get(m.imdb_id);
      expect({ id: m.imdb_id, title: f?.title }).toEqual({ id: m.imdb_id, title: m.title });
      expect(f!.imdbRating).toMatch(/^(\d\.\d|N\/A)$/);
      expect(f!.imdbVotes).toMatch(/^(\d{1,3}(,\d{3})*|N\/A)$/);
      expect(f!.rottenTomatoes).toMatch(/^(\d{1,3}%|N\/A)$/);
      expect(f!.metascore).toMatch(/^(\d{1,3}|N\/A)$/);
      expect(['recorded', 'memory']).toContain(f!.source);
    }
    expect(films).toHaveLength(loadCatalog().movies.length);
  });
});
