import pino from 'pino';
import { Registry } from 'prom-client';
import { RedisAvailability } from '../../platform/redis-availability';

function setup() {
  const lines: { level: number; msg: string; use: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const registry = new Registry();
  const availability = new RedisAvailability({ use: 'tmdb_budget', name: 'tmdb budget', fallback: 'own bucket', logger, registry });
  const gauge = async () => (await registry.getSingleMetric('marquee_redis_available')!.get()).values.find((v) => v.labels.use === 'tmdb_budget')?.value;
  return { lines, availability, gauge, registry };
}

describe('RedisAvailability', () => {
  it('falls back on a failed command, says so once per outage, and says when Redis is back', async () => {
    const { lines, availability, gauge } = setup();
    expect(await gauge()).toBe(1);
    const failing = () => Promise.reject(new Error('Connection is closed.'));
    for (let i = 0; i < 5; i++) expect(await availability.attempt(failing, () => 'fallback')).toBe('fallback');
    expect(availability.ok).toBe(false);
    expect(await gauge()).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['tmdb budget: redis unavailable; own bucket']);
    expect(lines[0].use).toBe('tmdb_budget');

    expect(
      await availability.attempt(
        async () => 'from redis',
        () => 'fallback',
      ),
    ).toBe('from redis');
    expect(
      await availability.attempt(
        async () => 'again',
        () => 'fallback',
      ),
    ).toBe('again');
    expect(availability.ok).toBe(true);
    expect(await gauge()).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual(['tmdb budget: redis unavailable; own bucket', 'tmdb budget: redis available again']);

    // A second outage is a second warning.
    availability.down('redis connection reconnecting');
    availability.down(new Error('still down'));
    expect(lines).toHaveLength(3);
  });

  it('shares one gauge per registry between uses', async () => {
    const { registry } = setup();
    const other = new RedisAvailability({ use: 'cache', name: 'cache', fallback: 'cache bypassed', registry });
    other.down(new Error('x'));
    const values = (await registry.getSingleMetric('marquee_redis_available')!.get()).values;
    expect(Object.fromEntries(values.map((v) => [v.labels.use, v.value]))).toEqual({ tmdb_budget: 1, cache: 0 });
  });
});
