import { DeleteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems, batchWriteItems } from '../../platform/dynamodb-batch';
import { failedCondition, transactOnce, TransactionCancelledError, type TransactItems } from '../../platform/dynamodb-transact';
import type { StoredOffer } from './model';
import { keys } from './table';

/** The feed version in force for one provider (its pointer item). */
export interface Pointer {
  partnerId: string;
  version: string;
  /** Orders applies: a pointer is only replaced by a feed that arrived later. */
  seq: string;
  name: string;
  logo: string | null;
  /** The films the version has offers for: what to invalidate and delete when it is replaced. */
  movies: string[];
  regions: string[];
  contentHash: string;
  appliedAt: string;
}

/** One provider's visible offers for one film. */
export interface FilmOffers {
  partnerId: string;
  name: string;
  logo: string | null;
  appliedAt: string;
  offers: StoredOffer[];
}

/** The new version and the upload it comes from, for the swap. */
export interface Swap {
  pointer: Pointer;
  upload: { partnerId: string; uploadId: string; offerCount: number; at: string };
}

/**
 * Feed offers in DynamoDB (table.ts). A feed version is written beside the one in force, then one
 * transaction swaps the provider's pointer to it and marks the upload APPLIED: readers follow the
 * pointer, so they see the old offers or the new ones, never a mix, whatever happens between.
 */
export class OffersStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** A film's offers from every provider's version in force. */
  async forMovie(movieId: string): Promise<FilmOffers[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :feed)',
        ExpressionAttributeValues: { ':pk': `MOVIE#${movieId}`, ':feed': 'FEED#' },
      }),
    );
    const items = (out.Items ?? []) as { sk: string; offers: StoredOffer[] }[];
    if (items.length === 0) return [];
    const partners = [...new Set(items.map((i) => i.sk.split('#')[1]))];
    const pointers = await this.pointers(partners);
    const result: FilmOffers[] = [];
    for (const item of items) {
      const [, partnerId, version] = item.sk.split('#');
      const p = pointers.get(partnerId);
      if (!p || p.version !== version) continue;
      result.push({ partnerId, name: p.name, logo: p.logo, appliedAt: p.appliedAt, offers: item.offers });
    }
    return result;
  }

  async pointers(partnerIds: readonly string[]): Promise<Map<string, Pointer>> {
    const found = await batchGetItems(
      this.opts.doc,
      this.opts.table,
      partnerIds.map((id) => keys.pointer(id)),
    );
    return new Map(found.filter((p) => p !== null).map((p) => [String(p.partnerId), p as unknown as Pointer]));
  }

  /** Every provider with a feed in force (one small partition: one item per provider). */
  async allPointers(): Promise<Pointer[]> {
    const out = await this.opts.doc.send(
      new QueryCommand({ TableName: this.opts.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'FEEDS' } }),
    );
    return (out.Items ?? []) as unknown as Pointer[];
  }

  async pointer(partnerId: string): Promise<Pointer | null> {
    const out = await this.opts.doc.send(new GetCommand({ TableName: this.opts.table, Key: keys.pointer(partnerId), ConsistentRead: true }));
    return (out.Item as Pointer | undefined) ?? null;
  }

  /** Writes a version's items (invisible until the swap). Puts of the same items again are harmless. */
  writeVersion(partnerId: string, version: string, byMovie: Map<string, StoredOffer[]>, afterChunk?: (written: number) => void | Promise<void>): Promise<void> {
    const puts = [...byMovie].map(([movieId, offers]) => ({ PutRequest: { Item: { ...keys.offers(movieId, partnerId, version), offers } } }));
    return batchWriteItems(this.opts.doc, this.opts.table, puts, afterChunk);
  }

  /**
   * The apply: pointer and upload status in one transaction. 'superseded' when a feed that arrived
   * later is already in force (this one must not replace it).
   */
  async swap(s: Swap): Promise<'applied' | 'superseded'> {
    const items: TransactItems = [
      {
        Put: {
          TableName: this.opts.table,
          Item: { ...keys.pointer(s.pointer.partnerId), ...s.pointer },
          ConditionExpression: 'attribute_not_exists(pk) OR #seq < :seq',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ExpressionAttributeValues: { ':seq': s.pointer.seq },
        },
      },
      {
        Update: {
          TableName: this.opts.table,
          Key: keys.upload(s.upload.partnerId, s.upload.uploadId),
          UpdateExpression: 'SET #status = :applied, offerCount = :n, #unchanged = :false, #errors = :none, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#unchanged': 'unchanged', '#errors': 'errors' },
          ExpressionAttributeValues: { ':applied': 'APPLIED', ':n': s.upload.offerCount, ':false': false, ':none': [], ':at': s.upload.at },
        },
      },
    ];
    const result = await transactOnce(this.opts.doc, items);
    if (result === 'committed') return 'applied';
    if (failedCondition(result) === 0) return 'superseded';
    throw new TransactionCancelledError('feed apply', result);
  }

  /** Deletes a replaced version's items (or a superseded one's); nobody reads them any more. */
  async deleteVersion(partnerId: string, version: string, movies: readonly string[]): Promise<void> {
    if (movies.length === 1) {
      await this.opts.doc.send(new DeleteCommand({ TableName: this.opts.table, Key: keys.offers(movies[0], partnerId, version) }));
      return;
    }
    await batchWriteItems(
      this.opts.doc,
      this.opts.table,
      movies.map((m) => ({ DeleteRequest: { Key: keys.offers(m, partnerId, version) } })),
    );
  }
}
