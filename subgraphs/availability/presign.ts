import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * A presigned PUT for one object key: the URL is good for that key only, until `expiresIn`
 * seconds from `signingDate`. Checksums are left out of the signature (the SDK would otherwise
 * sign the checksum of an empty body), so any client's plain PUT of the file is accepted. The
 * local upload bridge verifies URLs by signing the same request again (local/feed-bridge.ts).
 */
export function presignPut(s3: S3Client, bucket: string, key: string, expiresIn: number, signingDate = new Date()): Promise<string> {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn, signingDate });
}
