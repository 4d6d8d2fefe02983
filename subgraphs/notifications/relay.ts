import { mapLimit } from '../../platform/map-limit';
import { randomUUID } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Registry } from 'prom-client';
import type { Logger } from '../../platform/logger';
import { FOLLOW_EVENT_TYPES, isRatingEvent, RATING_EVENT_TYPES, type DomainEvent } from '../../platform/events/types';
import { isTmdbId } from '../../platform/ids';
import type { LiveBusPublisher, LiveEvent } from '../../platform/live-bus';
import { RETRY_POLICIES, retryDelay, retrySpec } from '../../platform/retry';
import { holdLease, type Lease } from './lease';
import { LeaseLost, type Outbox, type OutboxEvent } from './outbox';
import { isCrash, type CrashHook } from './relay-crash';
import { makeRelayMetrics } from './relay-metrics';
import { publishEvents } from './relay-publish';
import { tellLive } from './live';
import { keys, toPreferences, type NotificationKind, type NotificationsStore } from './store';

export { RelayCrash, type CrashPoint } from './relay-crash';

export interface RelayOptions {
  outbox: Outbox;
  store: NotificationsStore;
  sns: SNSClient;
  topicArn: string;
  logger: Logger;
  registry?: Registry;
  /** The live bus (docs/live.md): each delivered notification, and each rating's film activity. */
  live?: LiveBusPublisher;
  owner?: string;
  /** How long a claim lasts without renewal; renewed every third of it while work goes on. */
  leaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** Tries of one event before it is set aside as poison (RETRY_POLICIES.relayEvent: 5). */
  maxAttempts?: number;
  fanoutPageSize?: number;
  crash?: CrashHook;
  /**
   * Tells the gateways' caches what the event made stale (gateway/entity-cache: Redis INCR and
   * publish), as soon as the event is listed, before its claim and fan-out: readers see a write within a
   * second of its commit. A failure is logged and counted, never retried: the entries it missed
   * live out their max-age.
   */
  invalidate?: (event: DomainEvent) => Promise<void>;
}

const EVENT_TYPES = new Set<string>([...RATING_EVENT_TYPES, ...FOLLOW_EVENT_TYPES]);

/** A live-bus message held until the pass's fan-outs end, with the event id it sorts by. */
interface LiveOut {
  order: string;
  event: LiveEvent;
}

/**
 * Relays domain events from the outbox: invalidates the gateways' cached entries of the film, writes
 * a feed item per follower for a rating (idempotent by event id), then publishes the event to SNS,
 * then marks it done. Each step is recorded, so a relay
 * killed anywhere is resumed by the next claim: feed items are never duplicated, and an event is
 * published at least once (a crash between publish and the record repeats the publish, which
 * at-least-once consumers dedupe by eventId).
 */
export class OutboxRelay {
  private readonly owner: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private lagLoggedAt = 0;
  private readonly metrics;
  /** Events already invalidated by this relay: an event retried (a slow fan-out, SNS down) is not bumped every pass. */
  private readonly invalidated = new Set<string>();

  constructor(private readonly opts: RelayOptions) {
    this.owner = opts.owner ?? `relay-${randomUUID()}`;
    this.metrics = opts.registry ? makeRelayMetrics(opts.registry) : undefined;
  }

  start(): void {
    const idle = this.opts.pollMs ?? 500;
    // A failed pass backs off under RETRY_POLICIES.relayPass, on this loop's own timer so that
    // stop() never waits out a backoff.
    const backoff = retrySpec('relayPass', { initialDelayMs: 2 * idle });
    let failures = 0;
    const tick = async () => {
      this.running = this.runOnce().then(
        (r) => {
          failures = 0;
          return r;
        },
        (err) => {
          // Back off while the store is unreachable, and say so once per back-off step.
          failures++;
          this.opts.logger.error({ err: err instanceof Error ? err.message : String(err), failures }, 'relay pass failed');
          return undefined;
        },
      );
      const { processed } = ((await this.running) as { processed?: number } | undefined) ?? {};
      // Drain quickly while there is work; poll gently when idle; back off on failures.
      const delay = failures ? retryDelay(backoff, failures) : processed ? 0 : idle;
      if (this.timer !== undefined) this.timer = setTimeout(() => void tick(), delay);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the oldest pending events. */
  async runOnce(): Promise<{ processed: number; failed: number }> {
    const pending = await this.opts.outbox.pending(this.opts.batchSize ?? 25);
    const oldest = pending[0]?.event.occurredAt;
    this.metrics?.lag.set(oldest ? Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) : 0);
    // One line every 10 s while work waits: the deploy stack turns `eventLagSeconds` into a metric.
    if (oldest && Date.now() - this.lagLoggedAt > 10_000) {
      this.lagLoggedAt = Date.now();
      this.opts.logger.info({ eventLagSeconds: Math.round((Date.now() - Date.parse(oldest)) / 100) / 10, pending: pending.length }, 'relay lag');
    }

    // Every listed event's film is invalidated first, claimed or not: an INCR more is harmless, and
    // readers then see a burst of writes without waiting for the claims and fan-outs before theirs.
    await mapLimit(pending, 8, (item) => this.invalidate(item.event));

    let failed = 0;
    const ready: OutboxEvent[] = [];
    const leases = new Map<string, Lease>();
    const live: LiveOut[] = [];
    try {
      // Events are independent, so several fan out at once; order only matters for the feed's
      // sort key, which is the event id itself.
      await mapLimit(pending, 8, async (item) => {
        const leaseMs = this.opts.leaseMs ?? 30_000;
        if (!(await this.opts.outbox.claim(item.event.eventId, this.owner, leaseMs))) return;
        const lease = holdLease(this.opts.outbox, item.event.eventId, this.owner, leaseMs, this.opts.logger);
        leases.set(item.event.eventId, lease);
        try {
          validate(item.event);
          if (!item.fanoutDone) {
            await this.fanOut(item, lease, live);
            // Once per fan-out: its feed items are written, and the film's rating summary or follower count has changed.
            const kind = isRatingEvent(item.event) ? 'RATING_SUMMARY_CHANGED' : 'FOLLOWER_COUNT_CHANGED';
            live.push({ order: item.event.eventId, event: { type: 'movieActivity', movieId: item.event.movieId, kind } });
          }
          ready.push(item);
        } catch (err) {
          if (this.lost(item, err, lease)) return;
          failed++;
          try {
            await this.failedAttempt(item, err);
          } catch (again) {
            if (!this.lost(item, again, lease)) throw again;
          }
        }
      });
      await this.tellLiveInOrder(live.splice(0));
      const published = await this.publish(ready.filter((i) => !i.published));
      let processed = 0;
      for (const item of ready) {
        if (!item.published && !published.has(item.event.eventId)) continue;
        await this.opts.crash?.('beforeDone', item.event);
        try {
          await this.opts.outbox.done(item.event.eventId, this.owner);
        } catch (err) {
          if (this.lost(item, err)) continue;
          throw err;
        }
        this.metrics?.processed.inc({ eventType: item.event.eventType });
        processed++;
      }
      return { processed, failed };
    } catch (err) {
      // A pass that failed part-way still tells what it delivered (a retry delivers nothing twice);
      // a dead process (a simulated crash) tells nothing.
      if (live.length && !isCrash(err)) await this.tellLiveInOrder(live);
      throw err;
    } finally {
      // Also on a (simulated) crash: a dead process renews nothing, so its leases lapse.
      for (const lease of leases.values()) lease.stop();
    }
  }

  /**
   * The pass's live messages in event order (event ids start with the write's time): the events of
   * one pass fan out concurrently, and a subscriber must still see two writes in the order they
   * were made (docs/live.md). Within one event, its notifications come before its film activity.
   */
  private async tellLiveInOrder(messages: LiveOut[]): Promise<void> {
    // Array sort is stable: messages of one event keep the order they were pushed in.
    const sorted = [...messages].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    for (const m of sorted) await tellLive(this.opts.live, m.event, this.opts.logger);
  }

  /** True (after logging) when the error means another relay holds the event: we just stop. */
  private lost(item: OutboxEvent, err: unknown, lease?: Lease): boolean {
    if (!(err instanceof LeaseLost) && !(lease?.lost && !isCrash(err))) return false;
    lease?.stop();
    this.metrics?.leasesLost.inc();
    this.opts.logger.warn({ eventId: item.event.eventId }, 'lease lost to another relay; leaving the event to it');
    return true;
  }

  private async invalidate(event: DomainEvent): Promise<void> {
    if (!this.opts.invalidate || this.invalidated.has(event.eventId) || !EVENT_TYPES.has(event?.eventType)) return;
    try {
      await this.opts.invalidate(event);
      // Bounded: only events still pending matter, and a pass handles at most batchSize of them.
      if (this.invalidated.size >= 10_000) this.invalidated.clear();
      this.invalidated.add(event.eventId);
    } catch (err) {
      this.metrics?.invalidationFailures.inc();
      this.opts.logger.warn(
        { eventId: event.eventId, err: err instanceof Error ? err.message : String(err) },
        'cache invalidation failed; cached entries live out their max-age',
      );
    }
  }

  private async fanOut(item: OutboxEvent, lease: Lease, live: LiveOut[]): Promise<void> {
    const e = item.event;
    // Follows reach no feed: only new ratings and reviews do.
    const kind: NotificationKind | null = !isRatingEvent(e) || e.eventType === 'RatingDeleted' ? null : e.hasReview ? 'NEW_REVIEW' : 'NEW_RATING';
    let after = item.fanoutAfter;
    while (kind) {
      if (lease.lost) throw new LeaseLost(e.eventId);
      const page = await this.opts.store.followersPage(e.movieId, after, this.opts.fanoutPageSize ?? 100);
      const recipients = page.userIds.filter((u) => u !== e.userId);
      const prefs = await this.opts.store.batchGet(recipients.map((u) => keys.prefs(u)));
      const wanted = recipients.filter((_, i) => {
        const p = toPreferences(prefs[i]);
        return p.kinds.includes(kind) && !p.mutedMovieIds.includes(e.movieId);
      });
      await mapLimit(wanted, 16, async (userId) => {
        if (lease.lost) throw new LeaseLost(e.eventId);
        const created = await this.opts.store.deliver({
          userId,
          eventId: e.eventId,
          kind,
          movieId: e.movieId,
          actorId: e.userId,
          score: isRatingEvent(e) ? e.score : 0,
          createdAt: e.occurredAt,
        });
        if (!created) return;
        this.metrics?.delivered.inc();
        live.push({ order: e.eventId, event: { type: 'notification', userId, movieId: e.movieId, eventId: e.eventId } });
      });
      if (!page.lastKey) break;
      after = page.lastKey;
      await this.opts.outbox.progress(e.eventId, this.owner, { fanoutAfter: after });
      await this.opts.crash?.('afterFeedPage', e);
    }
    await this.opts.outbox.progress(e.eventId, this.owner, { fanoutDone: true, fanoutAfter: null });
    item.fanoutDone = true;
  }

  private publish(items: OutboxEvent[]): Promise<Set<string>> {
    const { sns, topicArn, outbox, logger, crash } = this.opts;
    return publishEvents(
      { sns, topicArn, outbox, owner: this.owner, logger, metrics: this.metrics, crash, unlessLost: (i, w) => this.unlessLost(i, w) },
      items,
    );
  }

  /** Awaits an owner-conditioned write; false when the lease had been lost. */
  private async unlessLost(item: OutboxEvent, write: Promise<unknown>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (err) {
      if (this.lost(item, err)) return false;
      throw err;
    }
  }

  private async failedAttempt(item: OutboxEvent, err: unknown): Promise<void> {
    if (isCrash(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    // Its next try is recorded as its lease, so whichever relay is running then picks it up.
    const retryInMs = retryDelay(RETRY_POLICIES.relayEvent, item.attempts + 1);
    const attempts = await this.opts.outbox.failed(item.event.eventId, this.owner, message, retryInMs);
    if (attempts >= (this.opts.maxAttempts ?? RETRY_POLICIES.relayEvent.retries + 1)) {
      await this.opts.outbox.dead(item.event.eventId, message, item.event);
      this.metrics?.dead.inc();
      this.opts.logger.error({ eventId: item.event.eventId, err: message }, 'poison event set aside');
    } else {
      this.opts.logger.warn({ eventId: item.event.eventId, err: message, attempts }, 'event processing failed; will retry');
    }
  }
}

function validate(e: DomainEvent): void {
  if (!e || typeof e !== 'object') throw new Error('event payload missing');
  if (!EVENT_TYPES.has(e.eventType)) throw new Error(`unknown eventType ${String(e.eventType)}`);
  if (!isTmdbId(String(e.movieId))) throw new Error(`invalid movieId ${String(e.movieId)}`);
  if (typeof e.userId !== 'string' || !e.userId) throw new Error('invalid userId');
  if (Number.isNaN(Date.parse(e.occurredAt))) throw new Error('invalid occurredAt');
}
