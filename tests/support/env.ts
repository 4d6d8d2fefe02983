import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
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
  return {
    PATH: process.env.PATH,
    DYNAMODB_ENDPOINT: s.dynamodb,
    SNS_ENDPOINT: s.sns,
    SQS_ENDPOINT: s.sqs,
    S3_ENDPOINT: s.s3,
    LOG_LEVEL: 'warn',
    ...patches,
    ...extra,
  };
}

/** Fresh tables for one test file, so files never see each other's data. */
export async function freshTables(): Promise<{
  RATINGS_TABLE: string;
  NOTIFICATIONS_TABLE: string;
  EVENTS_TABLE: string;
  SCORE_HISTORY_TABLE: string;
  AVAILABILITY_TABLE: string;
}> {
  const suffix = randomBytes(4).toString('hex');
  const names = {
    RATINGS_TABLE: `ratings-${suffix}`,
    NOTIFICATIONS_TABLE: `notifications-${suffix}`,
    EVENTS_TABLE: `events-${suffix}`,
    SCORE_HISTORY_TABLE: `score-history-${suffix}`,
    AVAILABILITY_TABLE: `availability-${suffix}`,
  };
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

type Doc = Record<string, unknown>;
const itemKey = (table: string, k: Doc) => `${table}|${String(k.pk)}|${String(k.sk)}`;

/**
 * A real document client whose eventually consistent reads are stale, as DynamoDB's may be and
 * DynamoDB Local's never are: before each write it keeps the written items' previous versions
 * (absent = null), and GetItem, BatchGetItem and base-table Query without ConsistentRead answer
 * those previous versions until the next write. Consistent reads see the truth.
 */
export function staleReadsDynamoDb() {
  const doc = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
  const truth = createDynamoDb({ region: 'us-east-1', endpoint: servers().dynamodb });
  const previous = new Map<string, Doc | null>();
  const stale = { reads: 0 };
  const remember = async (table: string, key: Doc) => {
    const out = await truth.send(new GetCommand({ TableName: table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }));
    previous.set(itemKey(table, key), out.Item ?? null);
  };
  /** Replaces the items of `items` that have a previous version; drops those that had none. */
  const staler = (table: string, items: Doc[]): Doc[] =>
    items.flatMap((item) => {
      const k = itemKey(table, item);
      if (!previous.has(k)) return [item];
      stale.reads++;
      const before = previous.get(k);
      return before ? [before] : [];
    });
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Doc;
      const name = String(context.commandName);
      if (name === 'TransactWriteItemsCommand') {
        for (const t of (input.TransactItems as Doc[]) ?? []) {
          const op = (t.Put ?? t.Update ?? t.Delete) as Doc | undefined;
          if (op) await remember(String(op.TableName), (op.Item ?? op.Key) as Doc);
        }
      } else if (name === 'PutItemCommand' || name === 'UpdateItemCommand' || name === 'DeleteItemCommand') {
        await remember(String(input.TableName), (input.Item ?? input.Key) as Doc);
      }
      const result = await next(args);
      const output = result.output as Doc;
      if (name === 'GetItemCommand' && !input.ConsistentRead && output.Item) {
        output.Item = staler(String(input.TableName), [output.Item as Doc])[0];
      } else if (name === 'GetItemCommand' && !input.ConsistentRead && previous.get(itemKey(String(input.TableName), input.Key as Doc))) {
        output.Item = previous.get(itemKey(String(input.TableName), input.Key as Doc))!;
        stale.reads++;
      } else if (name === 'BatchGetItemCommand') {
        const responses = (output.Responses ?? {}) as Record<string, Doc[]>;
        for (const [table, req] of Object.entries(input.RequestItems as Record<string, Doc>)) {
          if (req.ConsistentRead) continue;
          const got = staler(table, responses[table] ?? []);
          // Items created by the last write were not there before; items it deleted were.
          const seen = new Set(got.map((i) => itemKey(table, i)));
          for (const k of (req.Keys as Doc[]) ?? []) {
            const before = previous.get(itemKey(table, k));
            if (before && !seen.has(itemKey(table, k))) {
              got.push(before);
              stale.reads++;
            }
          }
          responses[table] = got;
        }
      } else if (name === 'QueryCommand' && !input.ConsistentRead && !input.IndexName && Array.isArray(output.Items)) {
        output.Items = staler(String(input.TableName), output.Items as Doc[]);
      }
      return result;
    },
    { step: 'initialize', name: 'staleReads' },
  );
  return { doc, stale, destroy: () => (doc.destroy(), truth.destroy()) };
}
