import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../../platform/logger';
import { retryDelay, type RetrySpec } from '../../../platform/retry';
import { OBJECT_KEY } from '../uploads';
import type { ProviderAlerts } from './alerts';
import { processFile, type FileDeps, type Outcome } from './process-file';
import { parseS3Event, PoisonMessage, type ObjectCreated } from './s3-event';

/** A simulated death from a test hook: it escapes the worker like a killed process (the message stays). */
export class ProcessorCrash extends Error {
  override name = 'ProcessorCrash';
}

export interface WorkerOptions {
  sqs: SQSClient;
  queueUrl: string;
  file: FileDeps;
  alerts: ProviderAlerts;
  logger: Logger;
  registry?: Registry;
  /** The queue's redrive maxReceiveCount: the last delivery before the dead-letter queue. */
  maxReceives: number;
  waitSeconds: number;
  retry: RetrySpec;
}

/**
 * Takes S3 events off the queue until stopped. A message is deleted only once every file in it
 * has ended (applied, rejected, or a duplicate); one that fails is made visible again after a
 * backoff, and SQS moves it to the dead-letter queue after `maxReceives` deliveries. On the
 * last delivery the provider (if it names one) is alerted and the upload marked REJECTED.
 */
export class FeedWorker {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private readonly files?: Counter<'outcome'>;
  private readonly failures?: Counter<'kind'>;

  constructor(private readonly opts: WorkerOptions) {
    if (opts.registry) {
      this.files = new Counter({
        name: 'marquee_feed_files_total',
        help: 'Feed files processed, by outcome',
        labelNames: ['outcome'],
        registers: [opts.registry],
      });
      this.failures = new Counter({
        name: 'marquee_feed_message_failures_total',
        help: 'Feed messages that failed and will be delivered again (retry) or were dead-lettered (last)',
        labelNames: ['kind'],
        registers: [opts.registry],
      });
    }
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  /** Resolves when the worker stopped on its own (a crash hook) or after stop(). */
  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { sqs, queueUrl, logger } = this.opts;
    while (!this.abort.signal.aborted) {
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.opts.waitSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (this.abort.signal.aborted) return;
        logger.warn({ err }, 'receiving feed messages failed; trying again');
        await sleep(1000, this.abort.signal);
        continue;
      }
      if (messages.length === 0 && this.opts.waitSeconds === 0) await sleep(200, this.abort.signal);
      // One at a time: a provider's files apply in the order they arrived.
      for (const m of messages) await this.handle(m);
    }
  }

  private async handle(m: Message): Promise<void> {
    const { sqs, queueUrl, logger } = this.opts;
    const receives = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
    let records: ObjectCreated[] = [];
    try {
      records = parseS3Event(m.Body ?? '');
      for (const r of records) {
        const outcome: Outcome = await processFile(this.opts.file, r);
        this.files?.inc({ outcome });
        logger.info({ key: r.key, outcome }, 'feed file processed');
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    } catch (err) {
      if (err instanceof ProcessorCrash) throw err;
      const last = receives >= this.opts.maxReceives;
      this.failures?.inc({ kind: last ? 'last' : 'retry' });
      logger.error(
        { err, messageId: m.MessageId, receives, poison: err instanceof PoisonMessage },
        last ? 'feed message failed for the last time; SQS dead-letters it' : 'feed message failed; it will be delivered again',
      );
      if (last) await this.deadLettered(records, err).catch((e: unknown) => logger.error({ err: e }, 'alerting the dead-lettered message failed'));
      // Visible again after the backoff; after the last delivery at once, so SQS moves it to the dead-letter queue on the next receive.
      const seconds = last ? 0 : Math.min(43_200, Math.ceil(retryDelay(this.opts.retry, receives) / 1000));
      await sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds }))
        .catch(() => undefined);
    }
  }

  /** The provider hears of it, and the upload ends REJECTED instead of staying PROCESSING. */
  private async deadLettered(records: ObjectCreated[], err: unknown): Promise<void> {
    const reason = err instanceof PoisonMessage ? err.message : 'the file could not be processed after several attempts';
    const named = records.map((r) => OBJECT_KEY.exec(r.key)).filter((m) => m !== null);
    if (named.length === 0) {
      await this.opts.alerts.publish({
        kind: 'FEED_FAILED',
        providerId: 'unknown',
        uploadId: null,
        message: `A feed message could not be processed: ${reason}.`,
      });
      return;
    }
    for (const [, partnerId, uploadId] of named) {
      await this.opts.file.uploads.finish(partnerId, uploadId, 'REJECTED', { errors: [{ line: null, path: null, message: `${reason}; upload it again` }] });
      await this.opts.alerts.publish({
        kind: 'FEED_FAILED',
        providerId: partnerId,
        uploadId,
        message: `Feed upload ${uploadId} could not be processed: ${reason}.`,
      });
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
