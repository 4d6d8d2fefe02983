/**
 * `npm run schema:release -- <version>`: records schema/api.graphql as released and moves the
 * changelog's Unreleased notes under a heading for the version.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { PATHS } from './schema-check';

const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error('usage: npm run schema:release -- <major.minor.patch>');
  process.exit(2);
}
const changelog = readFileSync(PATHS.changelog, 'utf8');
const [head, rest] = changelog.split(/^## Unreleased\n/m);
if (rest === undefined) throw new Error('CHANGELOG.md has no "## Unreleased" section');
const next = rest.search(/^## /m);
const notes = (next === -1 ? rest : rest.slice(0, next)).trim();
const older = next === -1 ? '' : rest.slice(next);
const today = new Date().toISOString().slice(0, 10);
writeFileSync(
  PATHS.changelog,
  `${head}## Unreleased\n\n### Breaking\n\n### Changes\n\n## ${version} — ${today}\n\n${notes}\n\n${older}`.replace(/\n{3,}/g, '\n\n'),
);
copyFileSync(PATHS.current, PATHS.released);
console.log(`released ${version}: schema/released/api.graphql updated`);
