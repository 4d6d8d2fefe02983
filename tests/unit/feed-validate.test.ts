import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_ERRORS, validateFeed } from '../../subgraphs/availability/feed/validate';

/**
 * The feed processor's checks on one file (subgraphs/availability/feed/validate.ts), in the order
 * docs/availability.md gives: syntax, the count limit, the v1 format, duplicate offers, then the
 * films TMDB does not know. Every problem names its line and path.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const limits = { maxOffers: 5 };
const noneUnknown = () => Promise.resolve(new Set<string>());
const offer = (o: Record<string, unknown> = {}) => ({ movieId: '550', region: 'US', type: 'STREAM', ...o });
const feed = (offers: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, provider: { name: 'StreamCo' }, offers, ...extra }, null, 2);

async function errorsOf(text: string, unknown: (ids: string[]) => Promise<Set<string>> = noneUnknown, max = limits) {
  const v = await validateFeed(text, max, unknown);
  if (v.ok) throw new Error('expected the feed to be refused');
  return v.errors;
}

describe('provider feed validation', () => {
  it('accepts examples/provider-feed.json, the example the docs show', async () => {
    const v = await validateFeed(readFileSync(path.join(ROOT, 'examples', 'provider-feed.json'), 'utf8'), { maxOffers: 10_000 }, noneUnknown);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.feed.offers).toHaveLength(5);
  });

  it('names the line where malformed JSON stops, and nothing else', async () => {
    expect(await errorsOf('{\n  "version": 1,\n  "offers": [\n    {"movieId": "550",}\n')).toEqual([
      { line: 4, path: null, message: expect.stringMatching(/^not valid JSON: /) },
    ]);
    expect(await errorsOf('')).toEqual([{ line: 1, path: null, message: expect.stringMatching(/^not valid JSON/) }]);
  });

  it('refuses more offers than the limit before reading any of them', async () => {
    const unknown = jest.fn(noneUnknown);
    const text = feed(Array.from({ length: 6 }, (_, i) => offer({ movieId: String(i + 1), region: 'XX' })));
    const errors = await errorsOf(text, unknown);
    expect(errors).toEqual([
      { line: text.split('\n').findIndex((l) => l.includes('"offers"')) + 1, path: 'offers', message: '6 offers; a feed holds at most 5' },
    ]);
    expect(unknown).not.toHaveBeenCalled();
  });

  it('checks regions, currencies, prices, types, links, versions and unknown fields, each at its line', async () => {
    const text = feed([
      offer({ region: 'XX' }),
      offer({ type: 'RENT', price: { amount: -1, currency: 'USD' } }),
      offer({ type: 'BUY', price: { amount: 5, currency: 'DOLLARS' } }),
      offer({ type: 'RENT' }),
      offer({ type: 'LEASE', link: 'http://insecure.example/' }),
    ]);
    const lines = text.split('\n');
    const lineOf = (needle: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(needle)) + 1;
    expect(await errorsOf(text)).toEqual([
      { line: lineOf('"XX"'), path: 'offers[0].region', message: expect.stringMatching(/ISO 3166-1 alpha-2/) },
      { line: lineOf('-1'), path: 'offers[1].price.amount', message: 'must not be negative' },
      { line: lineOf('"DOLLARS"'), path: 'offers[2].price.currency', message: expect.stringMatching(/ISO 4217/) },
      // The price that is missing has no line of its own: the offer's.
      { line: lineOf('{', lineOf('"DOLLARS"')), path: 'offers[3].price', message: 'a RENT offer needs a price' },
      { line: lineOf('"LEASE"'), path: 'offers[4].type', message: expect.stringMatching(/STREAM/) },
      { line: lineOf('http://insecure'), path: 'offers[4].link', message: 'must be an https:// URL' },
    ]);
    expect(await errorsOf(feed([offer()], { version: 2 }))).toEqual([{ line: 2, path: 'version', message: 'must be 1 (the only feed version)' }]);
    expect((await errorsOf(feed([offer({ dicount: 10 })])))[0]).toMatchObject({ path: 'offers[0]', message: expect.stringMatching(/dicount/) });
  });

  it('refuses the same offer twice (film, region, type, quality), pointing at the second', async () => {
    const text = feed([offer(), offer({ quality: 'HD' }), offer()]);
    expect(await errorsOf(text)).toEqual([
      { line: text.split('\n').findIndex((l, i) => i > 14 && l.includes('{')) + 1, path: 'offers[2]', message: expect.stringMatching(/offers\[0\]/) },
    ]);
  });

  it('asks once per distinct film whether TMDB knows it, only for a file otherwise valid, and names each unknown one', async () => {
    const unknown = jest.fn((ids: string[]) => Promise.resolve(new Set<string>(ids.filter((id) => id === '999999'))));
    const errors = await errorsOf(feed([offer(), offer({ movieId: '999999' }), offer({ movieId: '999999', region: 'DE' })]), unknown);
    expect(unknown).toHaveBeenCalledTimes(1);
    expect(unknown.mock.calls[0][0].sort()).toEqual(['550', '999999']);
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ['offers[1].movieId', 'no film with TMDB id 999999'],
      ['offers[2].movieId', 'no film with TMDB id 999999'],
    ]);
    const invalid = jest.fn(noneUnknown);
    await errorsOf(feed([offer({ region: 'XX' })]), invalid);
    expect(invalid).not.toHaveBeenCalled();
  });

  it(`reports at most ${MAX_ERRORS} problems`, async () => {
    const errors = await errorsOf(feed(Array.from({ length: 150 }, () => offer({ region: 'XX' }))), noneUnknown, { maxOffers: 1000 });
    expect(errors).toHaveLength(MAX_ERRORS);
  });
});
