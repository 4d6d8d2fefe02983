import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { requireJava } from './java';
import { findFreePort, spawnManaged, waitFor } from './processes';

export interface LocalServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local, AWS's official emulator (the jar ships in the amplify-dynamodb-simulator
 * package), in memory. `-sharedDb` makes every access key and region see the same tables, so
 * local credentials never matter.
 */
export async function startDynamoDbLocal(opts: { port?: number } = {}): Promise<LocalServer> {
  const java = requireJava();
  const dir = path.join(path.dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const port = opts.port || (await findFreePort());
  const proc = spawnManaged(
    java,
    [
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx512m',
      '-jar',
      path.join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    { name: 'DynamoDB Local', cwd: dir, logFile: '/dev/null' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await waitFor(() => client.send(new ListTablesCommand({})).then(() => true), {
      timeoutMs: 60_000,
      intervalMs: 150,
      what: `DynamoDB Local on port ${port}`,
      failFast: proc.exited,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, port, stop: () => proc.stop() };
}
