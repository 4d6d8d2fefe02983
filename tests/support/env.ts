import { randomBytes } from 'node:crypto';
import { createDynamoDb } from '../../platform/aws';
import { createLocalTables } from '../../local/tables';
import type { ServiceName, Stack } from '../../local/stack';

/** The shared servers started by global-setup.ts. */
export function servers() {
  const { DYNAMODB_ENDPOINT, SNS_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT, REDIS_URL } = process.env;
  if (!DYNAMODB_ENDPOINT || !SNS_ENDPOINT || !SQS_ENDPOINT || !S3_ENDPOINT || !REDIS_URL) throw new Error('global setup did not start the test servers');
  return { dynamodb: DYNAMODB_ENDPOINT, sns: SNS_ENDPOINT, sqs: SQS_ENDPOINT, s3: S3_ENDPOINT, redis: REDIS_URL };
}

/** The environment of a stack (local/stack.ts) on the shared servers; tables and the rest from `extra`. */
export function stackEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const s = servers();
  // APOLLO_PATCHES passes through: the whole suite also runs with APOLLO_PATCHES=off.
  const patches = process.env.APOLLO_PATCHES ? { APOLLO_PATCHES: process.env.APOLLO_PATCHES } : {};
  return { PATH: process.env.PATH, DYNAMODB_ENDPOINT: s.dynamodb, SNS_ENDPOINT: s.sns, SQS_ENDPOINT: s.sqs, S3_ENDPOINT: s.s3, LOG_LEVEL: 'warn', ...patches, ...extra };
}

/** Fresh tables for one test file, so files never see each other's data. */
export async function freshTables(): Promise<{ RATINGS_TABLE: string; NOTIFICATIONS_TABLE: string; EVENTS_TABLE: string }> {
  const suffix = randomBytes(4).toString('hex');
  const names = { RATINGS_TABLE: `ratings-${suffix}`, NOTIFICATIONS_TABLE: `notifications-${suffix}`, EVENTS_TABLE: `events-${suffix}` };
  await createLocalTables(servers().dynamodb, { ...names, AWS_REGION: 'us-east-1' });
  return names;
}

/** A real DynamoDB document client that counts the commands it sends, by name. */
export function countingDynamoDb() {
  const doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
  const calls: Record<string, number> = {};
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { doc, calls, reset: () => Object.keys(calls).forEach((k) => delete calls[k]) };
}

/** The Prometheus endpoint (its own port) of the stack's service at `url`. */
export function metricsUrlFor(stack: Stack, url: string): string {
  const name = (Object.keys(stack.urls) as ServiceName[]).find((n) => stack.urls[n] === url);
  if (!name) throw new Error(`no service of the stack at ${url}`);
  return stack.metricsUrls[name];
}
