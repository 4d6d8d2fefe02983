import { Agent, fetch as undiciFetch } from 'undici';
import type { Fetcher } from '@apollo/utils.fetcher';

/**
 * The gateway's subgraph fetcher: undici with a bounded keep-alive pool per subgraph origin and a
 * timeout per call. Idle sockets close (keepAliveTimeout) before the subgraph's server closes
 * them (65 s), which avoids "socket hang up" on reused connections.
 */
export function createSubgraphFetcher(opts: { timeoutMs: number; connections: number }): Fetcher {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: opts.connections, pipelining: 1 });
  return ((url: string, init?: Record<string, unknown>) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent, signal: AbortSignal.timeout(opts.timeoutMs) })) as unknown as Fetcher;
}
