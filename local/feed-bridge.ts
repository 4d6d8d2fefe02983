import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createS3, createSqs } from '../platform/aws';
import { listen } from '../platform/http';
import { presignPut } from '../subgraphs/availability/presign';
import { objectCreatedEvent } from '../subgraphs/availability/processor/s3-event';

/**
 * Local mode's stand-in for what fauxqs's S3 lacks: signature checks on presigned URLs and event
 * notifications. Upload URLs point here (S3_PUBLIC_ENDPOINT); a PUT whose presigned signature is
 * S3's own for that very key, not expired, is stored in fauxqs's bucket, and the object-created
 * event S3 would send goes to the feed queue, in S3's shape. Anything else is refused as S3
 * refuses it (403). The processor and the subgraph run the same code as in AWS.
 */
export interface FeedBridge {
  url: string;
  /** Events sent, for tests. */
  readonly sent: number;
  close(): Promise<void>;
}

export interface FeedBridgeOptions {
  port: number;
  region: string;
  s3Endpoint: string;
  sqsEndpoint: string;
  queueUrl: string;
  /** Largest body accepted (S3's own limit for one PUT is 5 GB; the processor's is FEED_MAX_BYTES). */
  maxBytes?: number;
}

const s3Error = (res: http.ServerResponse, status: number, code: string, message: string) =>
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);

/** X-Amz-Date (20261202T101500Z) as a Date. */
function amzDate(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

/** Signs the same request again with the same credentials and compares: S3's check, in effect. */
async function signatureHolds(presigner: S3Client, bucket: string, key: string, q: URLSearchParams): Promise<'ok' | 'expired' | 'bad'> {
  const date = amzDate(q.get('X-Amz-Date') ?? '');
  const expires = Number(q.get('X-Amz-Expires'));
  const given = q.get('X-Amz-Signature') ?? '';
  if (!date || !Number.isInteger(expires) || expires <= 0 || !given) return 'bad';
  const again = new URL(await presignPut(presigner, bucket, key, expires, date)).searchParams.get('X-Amz-Signature') ?? '';
  const a = Buffer.from(again);
  const b = Buffer.from(given);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'bad';
  return date.getTime() + expires * 1000 < Date.now() ? 'expired' : 'ok';
}

export async function startFeedBridge(opts: FeedBridgeOptions): Promise<FeedBridge> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const s3 = createS3({ region: opts.region, endpoint: opts.s3Endpoint });
  const sqs = createSqs({ region: opts.region, endpoint: opts.sqsEndpoint });
  // Made once the port is known (the URL it signs for); set before the first request can arrive.
  const signer: { client?: S3Client } = {};
  let sent = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://bridge');
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (req.method !== 'PUT' || !bucket || !key || !url.searchParams.has('X-Amz-Signature')) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
      const verdict = await signatureHolds(signer.client!, decodeURIComponent(bucket), key, url.searchParams);
      if (verdict === 'expired') return s3Error(res, 403, 'AccessDenied', 'Request has expired');
      if (verdict === 'bad')
        return s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) return s3Error(res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        chunks.push(chunk as Buffer);
      }
      const body = Buffer.concat(chunks);
      const put = await s3.send(new PutObjectCommand({ Bucket: decodeURIComponent(bucket), Key: key, Body: body }));
      const etag = put.ETag ?? '';
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: opts.queueUrl,
          MessageBody: objectCreatedEvent({ bucket: decodeURIComponent(bucket), key, etag, size, region: opts.region }),
        }),
      );
      sent++;
      res.writeHead(200, { etag }).end();
    })().catch(() => s3Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.'));
  });
  const port = await listen(server, opts.port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  // The subgraph presigns with the same local credentials against this endpoint (createS3's local overrides).
  const presigner = createS3({ region: opts.region, endpoint: url }, { requestChecksumCalculation: 'WHEN_REQUIRED' });
  signer.client = presigner;
  return {
    url,
    get sent() {
      return sent;
    },
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      for (const c of [s3, sqs, presigner]) c.destroy();
    },
  };
}
