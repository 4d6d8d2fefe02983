import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createS3 } from '../../platform/aws';
import { servers } from '../support/env';

/** fauxqs 2's S3, which local mode and the tests get beside SNS/SQS, spoken to with the AWS SDK. */
describe('S3 in local mode', () => {
  const s3 = createS3({ region: 'us-east-1', endpoint: servers().s3 });
  afterAll(() => s3.destroy());

  it('stores, lists and returns objects under a prefix', async () => {
    const Bucket = `marquee-test-${randomBytes(4).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    const body = JSON.stringify({ version: 1, offers: [{ movieId: '550', region: 'US' }] });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'providers/p1/feed.json', Body: body, ContentType: 'application/json' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'providers/p2/feed.json', Body: '{}' }));

    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'providers/p1/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['providers/p1/feed.json']);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'providers/p1/feed.json' }));
    expect(got.ContentType).toBe('application/json');
    expect(await got.Body?.transformToString()).toBe(body);
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'providers/p1/missing.json' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
