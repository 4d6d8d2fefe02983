import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../platform/events/types';

/**
 * The notifications side of the outbox (platform/events/table.ts): list pending events, claim
 * one with a lease so only one relay works on it, record fan-out progress, and mark it done or
 * dead. A relay that dies simply lets its lease run out; another one resumes from the progress.
 */
export interface OutboxEvent {
  event: DomainEvent;
  /** Followers already handled: the last follower key processed, to resume a large fan-out. */
  fanoutAfter?: Record<string, string>;
  fanoutDone?: boolean;
  published?: boolean;
  attempts: number;
}

const DAY = 24 * 3600;

/**
 * Another relay holds the event now (our lease lapsed and it claimed it). Not a failure of the
 * event: the holder carries on, so the loser only stops, without counting an attempt.
 */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
  constructor(readonly eventId: string) {
    super(`lease on event ${eventId} lost to another relay`);
  }
}

export class Outbox {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; retentionDays?: number }) {}

  /** Oldest pending events first (the pending index sorts by time-ordered event id). */
  async pending(limit: number): Promise<OutboxEvent[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        IndexName: 'pending',
        KeyConditionExpression: 'pendingpk = :p',
        ExpressionAttributeValues: { ':p': 'PENDING' },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      event: i.event as DomainEvent,
      fanoutAfter: i.fanoutAfter as Record<string, string> | undefined,
      fanoutDone: Boolean(i.fanoutDone),
      published: Boolean(i.published),
      attempts: Number(i.attempts ?? 0),
    }));
  }

  /** Takes the event for `leaseMs`; false when another relay holds it or it is no longer pending. */
  async claim(eventId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      await this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: key(eventId),
          UpdateExpression: 'SET claimedBy = :me, leaseUntil = :until',
          ConditionExpression: 'pendingpk = :p AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR claimedBy = :me)',
          ExpressionAttributeValues: { ':me': owner, ':until': now + leaseMs, ':now': now, ':p': 'PENDING' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Extends our lease (the heartbeat of a long fan-out); false when another relay holds it now. */
  async renew(eventId: string, owner: string, leaseMs: number): Promise<boolean> {
    try {
      await this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: key(eventId),
          UpdateExpression: 'SET leaseUntil = :until',
          ConditionExpression: 'pendingpk = :p AND claimedBy = :me',
          ExpressionAttributeValues: { ':me': owner, ':until': Date.now() + leaseMs, ':p': 'PENDING' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Records progress, only while we still hold the lease (LeaseLost otherwise). */
  async progress(
    eventId: string,
    owner: string,
    fields: { fanoutAfter?: Record<string, string> | null; fanoutDone?: boolean; published?: boolean },
  ): Promise<void> {
    const sets: string[] = [];
    const removes: string[] = [];
    const values: Record<string, unknown> = { ':me': owner };
    if (fields.fanoutAfter === null) removes.push('fanoutAfter');
    else if (fields.fanoutAfter) {
      sets.push('fanoutAfter = :fa');
      values[':fa'] = fields.fanoutAfter;
    }
    if (fields.fanoutDone !== undefined) {
      sets.push('fanoutDone = :fd');
      values[':fd'] = fields.fanoutDone;
    }
    if (fields.published !== undefined) {
      sets.push('published = :pb');
      values[':pb'] = fields.published;
    }
    const expr = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim();
    if (!expr) return;
    await this.owned(
      eventId,
      new UpdateCommand({
        TableName: this.opts.table,
        Key: key(eventId),
        UpdateExpression: expr,
        ConditionExpression: 'claimedBy = :me',
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Done: out of the pending index, kept for a while for audits, then expired by TTL. LeaseLost unless we hold it. */
  async done(eventId: string, owner: string): Promise<void> {
    await this.owned(
      eventId,
      new UpdateCommand({
        TableName: this.opts.table,
        Key: key(eventId),
        UpdateExpression: 'SET #s = :done, processedAt = :now, expiresAt = :exp REMOVE pendingpk, pendingsk, claimedBy, leaseUntil',
        ConditionExpression: 'claimedBy = :me',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':me': owner,
          ':done': 'DONE',
          ':now': new Date().toISOString(),
          ':exp': Math.floor(Date.now() / 1000) + (this.opts.retentionDays ?? 7) * DAY,
        },
      }),
    );
  }

  /**
   * A failed attempt: keep the error and let the lease lapse after a backoff. Only failures of
   * the event itself count towards poison; an outage of SNS does not (`countAttempt` false).
   * Conditional on our lease: a relay that lost the event must not release another's claim.
   */
  async failed(eventId: string, owner: string, error: string, retryInMs: number, countAttempt = true): Promise<number> {
    const out = await this.owned(
      eventId,
      new UpdateCommand({
        TableName: this.opts.table,
        Key: key(eventId),
        UpdateExpression: 'ADD attempts :n SET lastError = :e, leaseUntil = :until REMOVE claimedBy',
        ConditionExpression: 'claimedBy = :me',
        ExpressionAttributeValues: { ':me': owner, ':n': countAttempt ? 1 : 0, ':e': error.slice(0, 1000), ':until': Date.now() + retryInMs },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.attempts ?? 0);
  }

  /**
   * A poison event: out of the pending index so it blocks nothing, with a dead-letter record
   * (listable under pk DEADLETTER) that keeps the event and its error for an operator.
   */
  async dead(eventId: string, error: string, event: DomainEvent): Promise<void> {
    // Unconditional: it follows our own failed(), whose back-off keeps other relays off until then.
    await this.opts.doc.send(
      new UpdateCommand({
        TableName: this.opts.table,
        Key: key(eventId),
        UpdateExpression: 'SET #s = :dead, lastError = :e REMOVE pendingpk, pendingsk, claimedBy, leaseUntil',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':dead': 'DEAD', ':e': error.slice(0, 1000) },
      }),
    );
    await this.opts.doc.send(
      new PutCommand({ TableName: this.opts.table, Item: { pk: 'DEADLETTER', sk: eventId, event, error: error.slice(0, 1000), at: new Date().toISOString() } }),
    );
  }

  async deadLetters(): Promise<{ eventId: string; error: string }[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({ TableName: this.opts.table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'DEADLETTER' } }),
    );
    return (out.Items ?? []).map((i) => ({ eventId: String(i.sk), error: String(i.error) }));
  }

  /** Sends an update conditioned on our lease, turning a failed condition into LeaseLost. */
  private async owned(eventId: string, command: UpdateCommand): Promise<UpdateCommandOutput> {
    try {
      return await this.opts.doc.send(command);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new LeaseLost(eventId);
      throw err;
    }
  }
}

const key = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' });
