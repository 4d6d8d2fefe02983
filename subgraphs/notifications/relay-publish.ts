import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '../../platform/logger';
import type { Outbox, OutboxEvent } from './outbox';
import { isCrash, type CrashHook } from './relay-crash';
import type { RelayMetrics } from './relay-metrics';

export interface PublishDeps {
  sns: SNSClient;
  topicArn: string;
  outbox: Outbox;
  owner: string;
  logger: Logger;
  metrics?: RelayMetrics;
  crash?: CrashHook;
  /** Awaits an owner-conditioned write; false when the lease had been lost meanwhile. */
  unlessLost(item: OutboxEvent, write: Promise<unknown>): Promise<boolean>;
}

/** An event whose publish failed is tried again on the relay's next pass after this long (not counted as an attempt). */
const PUBLISH_RETRY_MS = 1000;

/**
 * PublishBatch, ten at a time; returns the ids SNS accepted and recorded as published. Failures
 * wait for a later pass: an SNS outage is not the event's fault, so it counts no attempt.
 */
export async function publishEvents(deps: PublishDeps, items: OutboxEvent[]): Promise<Set<string>> {
  const ok = new Set<string>();
  for (let i = 0; i < items.length; i += 10) {
    const chunk = items.slice(i, i + 10);
    try {
      const out = await deps.sns.send(
        new PublishBatchCommand({
          TopicArn: deps.topicArn,
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
        await deps.crash?.('afterPublish', item.event);
        // Lost meanwhile: the new holder publishes again, with the same eventId (at-least-once).
        if (await deps.unlessLost(item, deps.outbox.progress(item.event.eventId, deps.owner, { published: true }))) ok.add(item.event.eventId);
      }
      for (const f of out.Failed ?? []) {
        deps.metrics?.publishFailures.inc();
        const item = chunk[Number(f.Id)];
        const error = `SNS: ${f.Code} ${f.Message ?? ''}`;
        await deps.unlessLost(item, deps.outbox.failed(item.event.eventId, deps.owner, error, PUBLISH_RETRY_MS, false));
      }
    } catch (err) {
      if (isCrash(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      deps.metrics?.publishFailures.inc(chunk.length);
      deps.logger.warn({ err: message, events: chunk.length }, 'SNS publish failed; events wait for the next pass');
      for (const c of chunk) await deps.unlessLost(c, deps.outbox.failed(c.event.eventId, deps.owner, `SNS: ${message}`, PUBLISH_RETRY_MS, false));
    }
  }
  return ok;
}
