import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { acknowledged, checkSchema, deprecationProblems, PATHS } from '../../scripts/schema-check';
import { DOCS_PATH, renderSchemaDocs } from '../../scripts/schema-docs';
import { buildManifest, MANIFEST_PATH } from '../../scripts/persisted-operations';

const released = readFileSync(PATHS.released, 'utf8');
const current = readFileSync(PATHS.current, 'utf8');
const changelog = readFileSync(PATHS.changelog, 'utf8');
const withAck = (paths: string[]) =>
  changelog.replace('### Breaking\n', `### Breaking\n\n${paths.map((p) => `- \`${p}\` acknowledged in a test`).join('\n')}\n`);

describe('breaking-change guard', () => {
  it('passes for the repository as it is', async () => {
    const r = await checkSchema(released, current, changelog);
    expect(r.badDeprecations).toEqual([]);
    expect(r.unacknowledged).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('fails on a removed field unless the changelog acknowledges it', async () => {
    const broken = current.replace('  """Production budget in US dollars; null when unknown."""\n  budget: Float\n', '');
    expect(broken).not.toBe(current);
    const r = await checkSchema(released, broken, changelog);
    expect(r.ok).toBe(false);
    expect(r.unacknowledged.map((c) => c.path)).toEqual(['Movie.budget']);
    expect((await checkSchema(released, broken, withAck(['Movie.budget']))).ok).toBe(true);
  });

  it('fails on a changed field type', async () => {
    const broken = current.replace('runtime: Int\n', 'runtime: String\n');
    const r = await checkSchema(released, broken, changelog);
    expect(r.unacknowledged.map((c) => c.path)).toEqual(['Movie.runtime']);
  });

  it('lists a dangerous change (a new enum value) and passes', async () => {
    const dangerous = current.replace('  """Any other kind."""\n  OTHER\n', '  """Any other kind."""\n  OTHER\n\n  """A recap."""\n  RECAP\n');
    expect(dangerous).not.toBe(current);
    const r = await checkSchema(released, dangerous, changelog);
    expect(r.ok).toBe(true);
    expect(r.dangerous.map((c) => c.path)).toEqual(['VideoType.RECAP']);
  });

  it('accepts a safe change (a new field)', async () => {
    const safe = current.replace(
      '  """The film\'s tagline, when it has one."""\n  tagline: String\n',
      '  """The film\'s tagline, when it has one."""\n  tagline: String\n\n  """Keywords."""\n  keywords: [String!]\n',
    );
    expect(safe).not.toBe(current);
    const r = await checkSchema(released, safe, changelog);
    expect(r.ok).toBe(true);
    expect(r.safe.map((c) => c.path)).toContain('Movie.keywords');
  });

  it('requires a removal date on every deprecation', () => {
    const schema = (reason: string) => buildSchema(`type Query { a: Int @deprecated(reason: "${reason}") }`);
    expect(deprecationProblems(schema('Use b. Removal after 2027-03-01.'))).toEqual([]);
    expect(deprecationProblems(schema('Use b.'))).toHaveLength(1);
  });

  it('reads acknowledgements only from Unreleased → Breaking', () => {
    expect([...acknowledged(withAck(['Movie.budget', 'Query.genres']))].sort()).toEqual(['Movie.budget', 'Query.genres']);
    expect([...acknowledged(changelog)]).toEqual([]);
  });
});

describe('generated references are current', () => {
  it('docs/schema.md (run npm run docs:schema)', () => {
    const docs = renderSchemaDocs(current);
    expect(readFileSync(DOCS_PATH, 'utf8')).toBe(docs);
    expect(docs).toContain('| `movie` | [Movie](#movie) |');
    expect(docs).toMatch(/\| `ratingSummary` \| \[RatingSummary\]\(#ratingsummary\) \| What Marquee's users think of the film/);
  });

  it('schema/persisted-operations.json (run npm run persisted)', () => {
    expect(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'))).toEqual(buildManifest());
    expect(buildManifest().operations.map((o) => o.name)).toEqual(
      expect.arrayContaining(['PopularMovies', 'MovieDetail', 'SearchMovies', 'RateMovie', 'FollowMovie', 'Feed', 'MovieReviews']),
    );
  });

  it('the schema check command exits 0 here', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'schema-check.ts')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
  });
});
