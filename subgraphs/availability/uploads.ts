import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../platform/connection';
import type { FeedError, FeedUploadStatus } from './generated/resolvers';
import type { UploadItem } from './model';
import { keys } from './table';

/** `providers/<partnerId>/<uploadId>.json`: the only keys upload URLs are made for. */
export const OBJECT_KEY = /^providers\/([a-z0-9][a-z0-9-]{1,62})\/([0-9a-z]{9}[0-9a-f]{16})\.json$/;

export function objectKeyOf(partnerId: string, uploadId: string): string {
  return `providers/${partnerId}/${uploadId}.json`;
}

/** Time first, so a provider's uploads sort by when they were asked for; then 64 random bits. */
export function newUploadId(now = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomBytes(8).toString('hex');
}

/** Upload records (table.ts): one per requested URL, under its provider. */
export class UploadsStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async create(partnerId: string): Promise<UploadItem> {
    const id = newUploadId();
    const now = new Date().toISOString();
    const item: UploadItem = { id, partnerId, objectKey: objectKeyOf(partnerId, id), status: 'AWAITING_FILE', createdAt: now, updatedAt: now };
    await this.opts.doc.send(
      new PutCommand({ TableName: this.opts.table, Item: { ...keys.upload(partnerId, id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return item;
  }

  /** Only the provider's own: another provider's upload id finds nothing under this partner. */
  async get(partnerId: string, id: string, consistent = false): Promise<UploadItem | null> {
    const out = await this.opts.doc.send(new GetCommand({ TableName: this.opts.table, Key: keys.upload(partnerId, id), ConsistentRead: consistent }));
    return (out.Item as UploadItem | undefined) ?? null;
  }

  /** Newest first. */
  async page(partnerId: string, first: number, after: Record<string, string> | undefined): Promise<Page<UploadItem>> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :upload)',
        ExpressionAttributeValues: { ':pk': `PROVIDER#${partnerId}`, ':upload': 'UPLOAD#' },
        ScanIndexForward: false,
        Limit: first + 1,
        ExclusiveStartKey: after,
      }),
    );
    const items = (out.Items ?? []) as unknown as UploadItem[];
    return { items: items.slice(0, first), hasNext: items.length > first };
  }

  /**
   * PROCESSING for the file with `etag`. False when that very file already ended (APPLIED or
   * REJECTED): a message delivered again changes nothing.
   */
  async startProcessing(partnerId: string, id: string, etag: string): Promise<boolean> {
    try {
      await this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: keys.upload(partnerId, id),
          UpdateExpression: 'SET #status = :processing, etag = :etag, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND NOT (etag = :etag AND #status IN (:applied, :rejected))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':processing': 'PROCESSING',
            ':etag': etag,
            ':at': new Date().toISOString(),
            ':applied': 'APPLIED',
            ':rejected': 'REJECTED',
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** An end state other than the apply's own (which OffersStore.swap writes with the pointer). */
  async finish(
    partnerId: string,
    id: string,
    status: Extract<FeedUploadStatus, 'APPLIED' | 'REJECTED'>,
    fields: { errors?: FeedError[]; offerCount?: number; unchanged?: boolean },
  ): Promise<void> {
    await this.opts.doc.send(
      new UpdateCommand({
        TableName: this.opts.table,
        Key: keys.upload(partnerId, id),
        UpdateExpression: 'SET #status = :s, #errors = :errors, offerCount = :n, #unchanged = :u, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status', '#errors': 'errors', '#unchanged': 'unchanged' },
        ExpressionAttributeValues: {
          ':s': status,
          ':errors': fields.errors ?? [],
          ':n': fields.offerCount ?? null,
          ':u': fields.unchanged ?? false,
          ':at': new Date().toISOString(),
        },
      }),
    );
  }
}

export type { FeedError };
