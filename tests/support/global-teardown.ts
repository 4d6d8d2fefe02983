export default async function globalTeardown(): Promise<void> {
  const servers = ((globalThis as Record<string, unknown>).__MARQUEE_SERVERS__ ?? []) as { stop(): Promise<void> }[];
  await Promise.all(servers.map((s) => s.stop()));
  // Jest exits after this (forceExit in jest.config.js): a test that leaked a client, a timer or
  // a process must not hold CI until its time limit. What is still open is said, so that the leak
  // is seen and fixed rather than hidden. A moment first: sockets just closed are still counted.
  await new Promise((r) => setTimeout(r, 1000));
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  for (const r of ((globalThis as Record<string, unknown>).__MARQUEE_OPEN_AT_START__ ?? []) as string[]) counts[r] = (counts[r] ?? 0) - 1;
  const leaked = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  if (Object.keys(leaked).length)
    console.error(`global teardown: still open after the last test, beyond what was open at the start: ${JSON.stringify(leaked)}`);
}
