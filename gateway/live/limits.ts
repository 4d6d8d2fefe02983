import { decodeJwt } from 'jose';

export type LimitRefusal = { code: 'TOO_MANY_CONNECTIONS'; scope: 'user' | 'replica'; message: string };

/**
 * Live connections on this replica (an SSE stream, a WebSocket): at most `perUser` for one user
 * (LIVE_MAX_CONNECTIONS_PER_USER) and `perReplica` in all (LIVE_MAX_CONNECTIONS). Counted per
 * replica: behind N replicas a user can hold up to N × perUser, which the load balancer's spread
 * keeps near perUser in practice.
 */
export class ConnectionLimits {
  private total = 0;
  private readonly byUser = new Map<string, number>();

  constructor(
    private readonly perUser: number,
    private readonly perReplica: number,
  ) {}

  /** Takes a place for the connection, or says why not; `release` gives it back (once). */
  acquire(userId: string | null): { release: () => void } | LimitRefusal {
    if (this.total >= this.perReplica)
      return { code: 'TOO_MANY_CONNECTIONS', scope: 'replica', message: 'This gateway has no room for another live connection; retry shortly.' };
    const mine = userId ? (this.byUser.get(userId) ?? 0) : 0;
    if (userId && mine >= this.perUser)
      return { code: 'TOO_MANY_CONNECTIONS', scope: 'user', message: `At most ${this.perUser} live connections per user; close one first.` };
    this.total++;
    if (userId) this.byUser.set(userId, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        if (!userId) return;
        const left = (this.byUser.get(userId) ?? 1) - 1;
        if (left > 0) this.byUser.set(userId, left);
        else this.byUser.delete(userId);
      },
    };
  }

  get open(): number {
    return this.total;
  }
}

/** When a verified bearer token expires (ms since the epoch); undefined without one. Read after verification only. */
export function tokenExpiry(authorization: string | undefined): number | undefined {
  const jwt = authorization?.trim().replace(/^Bearer\s+/i, '');
  if (!jwt) return undefined;
  try {
    const { exp } = decodeJwt(jwt);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
