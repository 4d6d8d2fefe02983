/**
 * W4 "browse while others write" (issue #19): anonymous W1 readers while signed-in users rate the
 * films of W1's page, one request in ten a write. Every answer is checked: a reader must never
 * see a film's rating count older than STALENESS_LIMIT_MS after a write that raised it was
 * committed. A write's commit time is read as when its answer arrived (the transaction committed
 * before: this is lenient by the answer's trip, under a millisecond here).
 *
 * Each write is a new (user, film) pair while pairs last, so a film's count only grows; the
 * mutation answers the film's summary as of its own commit (exact under concurrency), which is
 * what a later read must show at least.
 */
import { W1_QUERY, W3_MUTATION } from '../workloads/operations';
import { WRITE_USERS, type Workload } from './workloads';

export const STALENESS_LIMIT_MS = 1000;
/** One request in WRITE_EVERY is a write. */
const WRITE_EVERY = 10;
/** The share of W4's requests that are reads (what its reads/s are computed from). */
export const READ_SHARE = 1 - 1 / WRITE_EVERY;

interface FilmWrites {
  /** Answer times of the film's writes, in the order they arrived. */
  at: number[];
  /** The highest count any of the first i+1 writes answered (non-decreasing: binary-searchable). */
  maxCount: number[];
}

interface Summary {
  id: string;
  ratingSummary?: { count: number } | null;
}

export function browseWhileWriting(connections: number): Workload & { setFilms(ids: string[]): void } {
  const read = JSON.stringify({ operationName: 'Browse', query: W1_QUERY });
  let films: string[] = [];
  let writes = new Map<string, FilmWrites>();
  let stats = { reads: 0, writes: 0, checked: 0, maxStalenessMs: 0, staleReads: 0 };
  /** Write j of the run: connection c's (n / WRITE_EVERY)-th. Its film and user follow from j, so no pair repeats before all are used. */
  const writeIndex = (c: number, n: number) => Math.floor(n / WRITE_EVERY) * connections + c;
  const isWrite = (n: number) => n % WRITE_EVERY === WRITE_EVERY - 1;
  const filmOf = (j: number) => films[j % films.length];
  // Users from the end of the pool: W3 takes its writers from the start.
  const userOf = (j: number) => `bench-writer-${(WRITE_USERS - 1 - (Math.floor(j / films.length) % WRITE_USERS) + WRITE_USERS) % WRITE_USERS}`;

  const noteWrite = (movie: Summary) => {
    const count = movie.ratingSummary?.count ?? 0;
    let f = writes.get(movie.id);
    if (!f) writes.set(movie.id, (f = { at: [], maxCount: [] }));
    f.at.push(performance.now());
    f.maxCount.push(Math.max(count, f.maxCount[f.maxCount.length - 1] ?? 0));
    stats.writes++;
  };
  /** How long before `sentAt` a write was answered whose count this read does not show yet (0: none). */
  const staleness = (movie: Summary, sentAt: number): number => {
    const f = writes.get(movie.id);
    const count = movie.ratingSummary?.count ?? 0;
    if (!f || f.maxCount[f.maxCount.length - 1] <= count) return 0;
    // The first write that raised the count past what the reader saw.
    let lo = 0;
    let hi = f.maxCount.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f.maxCount[mid] > count) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(0, sentAt - f.at[lo]);
  };

  return {
    id: 'W4',
    name: 'W4 browse while others write',
    auth: false,
    // Reads are the load (deduplication and caches apply to them); the writes are what they race.
    mutation: false,
    setFilms(ids) {
      films = ids;
    },
    body: (c, n) =>
      isWrite(n)
        ? JSON.stringify({ operationName: 'Rate', query: W3_MUTATION, variables: { input: { movieId: filmOf(writeIndex(c, n)), score: 1 + (n % 10) } } })
        : read,
    user: (c, n) => (isWrite(n) ? userOf(writeIndex(c, n)) : null),
    prime: () => [{ body: read, user: null }],
    reset() {
      writes = new Map();
      stats = { reads: 0, writes: 0, checked: 0, maxStalenessMs: 0, staleReads: 0 };
    },
    observe(body, sentAt) {
      let parsed: { data?: { popularMovies?: { results: Summary[] }; rateMovie?: { movie: Summary } } };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return;
      }
      const written = parsed.data?.rateMovie?.movie;
      if (written) return noteWrite(written);
      const results = parsed.data?.popularMovies?.results;
      if (!results) return;
      stats.reads++;
      let worst = 0;
      for (const m of results) {
        if (writes.has(m.id)) stats.checked++;
        worst = Math.max(worst, staleness(m, sentAt));
      }
      stats.maxStalenessMs = Math.max(stats.maxStalenessMs, Math.round(worst));
      if (worst > STALENESS_LIMIT_MS) stats.staleReads++;
    },
    stats: () => ({ ...stats }),
  };
}

/** The film ids of W1's page, from one answer of the contender under test. */
export async function pageFilms(url: string): Promise<string[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operationName: 'Browse', query: W1_QUERY }),
  });
  const body = (await res.json()) as { data?: { popularMovies?: { results: { id: string }[] } } };
  const ids = body.data?.popularMovies?.results.map((m) => m.id) ?? [];
  if (!ids.length) throw new Error(`W4: no films in W1's answer: ${JSON.stringify(body).slice(0, 300)}`);
  return ids;
}
