export default async function globalTeardown(): Promise<void> {
  const servers = ((globalThis as Record<string, unknown>).__MARQUEE_SERVERS__ ?? []) as { stop(): Promise<void> }[];
  await Promise.all(servers.map((s) => s.stop()));
}
