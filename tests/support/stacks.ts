import { startStack, type Stack } from '../../local/stack';

/**
 * Starts several stacks at once. If one fails, the others are stopped before the error is
 * thrown: with a plain Promise.all the ones that did start would be lost to the test file (its
 * afterAll never sees them) and their processes and servers would outlive the run.
 */
export async function startStacks(...options: Parameters<typeof startStack>[0][]): Promise<Stack[]> {
  const settled = await Promise.allSettled(options.map((o) => startStack(o)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<Stack>).value);
  await Promise.all(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
  throw failed.reason;
}
