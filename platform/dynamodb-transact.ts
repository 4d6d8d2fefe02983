import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/**
 * Why DynamoDB cancelled a transaction: one reason code per item, in the order of the items
 * (`None` for an item that was fine). The stores decide from these which cancellations are a lost
 * race to retry (platform/retry.ts), which an answer (a failed condition) and which a failure.
 */
export interface Cancelled {
  reasons: string[];
  error: TransactionCanceledException;
}

/** One TransactWriteItems: 'committed', or its cancellation reasons; any other error is thrown. */
export async function transactOnce(doc: DynamoDBDocumentClient, items: TransactItems): Promise<'committed' | Cancelled> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return 'committed';
  } catch (err) {
    if (!(err instanceof TransactionCanceledException)) throw err;
    return { reasons: (err.CancellationReasons ?? []).map((r) => r.Code ?? 'None'), error: err };
  }
}

/** Only other transactions were in the way (TransactionConflict): the same write may simply be tried again. */
export function onlyConflicts(c: Cancelled): boolean {
  return c.reasons.every((r) => r === 'None' || r === 'TransactionConflict');
}

/**
 * Under optimistic concurrency (a condition on the version read), a failed condition is a lost
 * race too: another writer changed the item since we read it, so read again and try again.
 */
export function lostOptimisticRace(c: Cancelled): boolean {
  return c.reasons.every((r) => r === 'None' || r === 'ConditionalCheckFailed' || r === 'TransactionConflict');
}

/** The index of the first item whose condition failed, or -1. */
export function failedCondition(c: Cancelled): number {
  return c.reasons.indexOf('ConditionalCheckFailed');
}

/**
 * A cancellation that is neither a lost race nor an answer (throttling, validation, capacity):
 * the request fails. `reasons` says why, for logs and for code that must tell them apart.
 */
export class TransactionCancelledError extends Error {
  override name = 'TransactionCancelledError';
  readonly reasons: string[];
  constructor(what: string, cancelled: Cancelled) {
    super(`${what} transaction cancelled: ${cancelled.reasons.join(', ')}`, { cause: cancelled.error });
    this.reasons = cancelled.reasons;
  }
}
