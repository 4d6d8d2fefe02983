import { mapLimit } from '../../platform/map-limit';
import { randomUUID } from 'node:crypto';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger';
import type { RatingEvent } from '../../platform/events/types';
import { LeaseLost, type Outbox, type OutboxEvent } from './outbox';
import { keys, toPreferences, type NotificationKind, type NotificationsStore } from './store';

/** Points at which tests make the relay "crash", to prove nothing is lost or duplicated. */
export type CrashPoint = 'afterFeedPage' | 'afterPublish' | 'beforeDone';

export interface RelayOptions {
  outbox: Outbox;
  store: NotificationsStore;
  sns: SNSClient;
  topicArn: string;
  logger: Logger;
  registry?: Registry;
  owner?: string;
  /** How long a claim lasts without renewal; renewed every third of it while work goes on. */
  leaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  maxAttempts?: number;
  fanoutPageSize?: number;
  crash?: (point: CrashPoint, event: RatingEvent) => void | Promise<void>;
}

const EVENT_TYPES = new Set(['RatingCreated', 'RatingUpdated', 'RatingDeleted']);

/**
 * Relays rating events from the outbox: writes a feed item per follower (idempotent by event
 * id), then publishes the event to SNS, then marks it done. Each step is recorded, so a relay
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

  constructor(private readonly opts: RelayOptions) {
    this.owner = opts.owner ?? `relay-${randomUUID()}`;
    this.metrics = opts.registry ? makeMetrics(opts.registry) : undefined;
  }

  start(): void {
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
      const idle = this.opts.pollMs ?? 500;
      // Drain quickly while there is work; poll gently when idle; back off on failures.
      const delay = failures ? Math.min(30_000, idle * 2 ** failures) : processed ? 0 : idle;
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

    let failed = 0;
    const ready: OutboxEvent[] = [];
    const leases = new Map<string, Lease>();
    try {
      // Events are independent, so several fan out at once; order only matters for the feed's
      // sort key, which is the event id itself.
      await mapLimit(pending, 8, async (item) => {
        const leaseMs = this.opts.leaseMs ?? 30_000;
        if (!(await this.opts.outbox.claim(item.event.eventId, this.owner, leaseMs))) return;
        const lease = this.hold(item.event.eventId, leaseMs);
        leases.set(item.event.eventId, lease);
        try {
          validate(item.event);
          if (!item.fanoutDone) await this.fanOut(item, lease);
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
    } finally {
      // Also on a (simulated) crash: a dead process renews nothing, so its leases lapse.
      for (const lease of leases.values()) lease.stop();
    }
  }

  /**
   * Renews the claim every third of the lease while the event is worked on, so a fan-out longer
   * than the lease keeps it; a renewal that finds another owner marks the lease lost.
   */
  private hold(eventId: string, leaseMs: number): Lease {
    const lease: Lease = { lost: false, stop: () => clearInterval(timer) };
    let renewing = false;
    const timer = setInterval(
      () => {
        // One renewal at a time: a slow store must not pile them up.
        if (lease.lost || renewing) return;
        renewing = true;
        this.opts.outbox
          .renew(eventId, this.owner, leaseMs)
          .then(
            (held) => {
              if (!held) lease.lost = true;
            },
            (err: unknown) => this.opts.logger.warn({ eventId, err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed; retrying'),
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return lease;
  }

  /** True (after logging) when the error means another relay holds the event: we just stop. */
  private lost(item: OutboxEvent, err: unknown, lease?: Lease): boolean {
    if (!(err instanceof LeaseLost) && !(lease?.lost && !isCrash(err))) return false;
    lease?.stop();
    this.metrics?.leasesLost.inc();
    this.opts.logger.warn({ eventId: item.event.eventId }, 'lease lost to another relay; leaving the event to it');
    return true;
  }

  private async fanOut(item: OutboxEvent, lease: Lease): Promise<void> {
    const e = item.event;
    const kind: NotificationKind | null = e.eventType === 'RatingDeleted' ? null : e.hasReview ? 'NEW_REVIEW' : 'NEW_RATING';
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
          score: e.score,
          createdAt: e.occurredAt,
        });
        if (created) this.metrics?.delivered.inc();
      });
      if (!page.lastKey) break;
      after = page.lastKey;
      await this.opts.outbox.progress(e.eventId, this.owner, { fanoutAfter: after });
      await this.opts.crash?.('afterFeedPage', e);
    }
    await this.opts.outbox.progress(e.eventId, this.owner, { fanoutDone: true, fanoutAfter: null });
    item.fanoutDone = true;
  }

  /** PublishBatch, ten at a time; returns the ids SNS accepted. Failures wait for the next pass. */
  private async publish(items: OutboxEvent[]): Promise<Set<string>> {
    const ok = new Set<string>();
    for (let i = 0; i < items.length; i += 10) {
      const chunk = items.slice(i, i + 10);
      try {
        const out = await this.opts.sns.send(
          new PublishBatchCommand({
            TopicArn: this.opts.topicArn,
            PublishBatchRequestEntries: chunk.map((c, n) => ({
              Id: String(n),
              Message: JSON.stringify(c.event),
              MessageAttributes: {
                eventType: { DataType: 'String', StringValue: c.event.eventType },
                movieId: { DataType: 'String', StringValue: c.event.movieId },
              },
            })),
          }),
        );
        for (const s of out.Successful ?? []) {
          const item = chunk[Number(s.Id)];
          await this.opts.crash?.('afterPublish', item.event);
          // Lost meanwhile: the new holder publishes again, with the same eventId (at-least-once).
          if (await this.unlessLost(item, this.opts.outbox.progress(item.event.eventId, this.owner, { published: true }))) ok.add(item.event.eventId);
        }
        for (const f of out.Failed ?? []) {
          this.metrics?.publishFailures.inc();
          const item = chunk[Number(f.Id)];
          await this.unlessLost(item, this.opts.outbox.failed(item.event.eventId, this.owner, `SNS: ${f.Code} ${f.Message ?? ''}`, 1000, false));
        }
      } catch (err) {
        if (isCrash(err)) throw err;
        this.metrics?.publishFailures.inc(chunk.length);
        this.opts.logger.warn({ err: (err as Error).message, events: chunk.length }, 'SNS publish failed; events wait for the next pass');
        for (const c of chunk) await this.unlessLost(c, this.opts.outbox.failed(c.event.eventId, this.owner, `SNS: ${(err as Error).message}`, 1000, false));
      }
    }
    return ok;
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
    const attempts = await this.opts.outbox.failed(item.event.eventId, this.owner, message, Math.min(60_000, 500 * 2 ** item.attempts));
    if (attempts >= (this.opts.maxAttempts ?? 5)) {
      await this.opts.outbox.dead(item.event.eventId, message, item.event);
      this.metrics?.dead.inc();
      this.opts.logger.error({ eventId: item.event.eventId, err: message }, 'poison event set aside');
    } else {
      this.opts.logger.warn({ eventId: item.event.eventId, err: message, attempts }, 'event processing failed; will retry');
    }
  }
}

interface Lease {
  lost: boolean;
  stop: () => void;
}

/** A simulated crash from a test hook: it must escape the relay like a dying process. */
export class RelayCrash extends Error {
  override name = 'RelayCrash';
}
function isCrash(err: unknown): boolean {
  return err instanceof RelayCrash;
}

function validate(e: RatingEvent): void {
  if (!e || typeof e !== 'object') throw new Error('event payload missing');
  if (!EVENT_TYPES.has(e.eventType)) throw new Error(`unknown eventType ${String(e.eventType)}`);
  if (!/^[1-9]\d{0,9}$/.test(String(e.movieId))) throw new Error(`invalid movieId ${String(e.movieId)}`);
  if (typeof e.userId !== 'string' || !e.userId) throw new Error('invalid userId');
  if (Number.isNaN(Date.parse(e.occurredAt))) throw new Error('invalid occurredAt');
}

function makeMetrics(registry: Registry) {
  return {
    processed: new Counter({
      name: 'marquee_events_processed_total',
      help: 'Rating events relayed to feeds and SNS',
      labelNames: ['eventType'],
      registers: [registry],
    }),
    delivered: new Counter({ name: 'marquee_feed_items_written_total', help: 'Feed items written', registers: [registry] }),
    publishFailures: new Counter({
      name: 'marquee_sns_publish_failures_total',
      help: 'Events whose SNS publish failed (retried later)',
      registers: [registry],
    }),
    leasesLost: new Counter({
      name: 'marquee_relay_leases_lost_total',
      help: 'Events given up because another relay took over the lease (not counted as attempts)',
      registers: [registry],
    }),
    dead: new Counter({ name: 'marquee_events_dead_lettered_total', help: 'Poison events set aside', registers: [registry] }),
    lag: new Gauge({ name: 'marquee_event_lag_seconds', help: 'Age of the oldest unprocessed event', registers: [registry] }),
  };
}
