import { z } from 'zod';

/**
 * The S3 event notification S3 puts on the queue (and local mode's bridge puts there in the same
 * shape): one record per object created. `s3:TestEvent`, sent once when the notification is
 * configured, carries no records.
 */
const record = z.object({
  eventName: z.string().startsWith('ObjectCreated:'),
  eventTime: z.string().min(1),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().int().min(0).optional(), eTag: z.string().min(1), versionId: z.string().optional() }),
  }),
});
const event = z.union([z.object({ Records: z.array(record).min(1) }), z.object({ Event: z.literal('s3:TestEvent') })]);

export interface ObjectCreated {
  bucket: string;
  /** Decoded: S3 URL-encodes keys in events (spaces as `+`). */
  key: string;
  etag: string;
  size: number | undefined;
  eventTime: string;
}

/** A message that can never be processed (not an S3 event): it goes on failing until SQS dead-letters it. */
export class PoisonMessage extends Error {
  override name = 'PoisonMessage';
}

export function parseS3Event(body: string): ObjectCreated[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonMessage('message body is not JSON');
  }
  const parsed = event.safeParse(json);
  if (!parsed.success) throw new PoisonMessage(`not an S3 object-created event: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
  if (!('Records' in parsed.data)) return [];
  return parsed.data.Records.map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    etag: r.s3.object.eTag.replace(/"/g, ''),
    size: r.s3.object.size,
    eventTime: r.eventTime,
  }));
}

/** The event for one object, as S3 sends it: what the local bridge puts on the queue. */
export function objectCreatedEvent(o: { bucket: string; key: string; etag: string; size: number; region: string; eventTime?: string }): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: o.region,
        eventTime: o.eventTime ?? new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'provider-feeds',
          bucket: { name: o.bucket, arn: `arn:aws:s3:::${o.bucket}` },
          object: { key: encodeURIComponent(o.key).replace(/%2F/g, '/'), size: o.size, eTag: o.etag.replace(/"/g, '') },
        },
      },
    ],
  });
}
