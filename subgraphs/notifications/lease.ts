import type { Logger } from '../../platform/logger';
import type { Outbox } from './outbox';

/** A relay's hold on one event while it works on it. */
export interface Lease {
  lost: boolean;
  stop: () => void;
}

/**
 * Renews the claim every third of the lease while the event is worked on, so a fan-out longer
 * than the lease keeps it; a renewal that finds another owner marks the lease lost.
 */
export function holdLease(outbox: Outbox, eventId: string, owner: string, leaseMs: number, logger: Logger): Lease {
  const lease: Lease = { lost: false, stop: () => clearInterval(timer) };
  let renewing = false;
  const timer = setInterval(
    () => {
      // One renewal at a time: a slow store must not pile them up.
      if (lease.lost || renewing) return;
      renewing = true;
      outbox
        .renew(eventId, owner, leaseMs)
        .then(
          (held) => {
            if (!held) lease.lost = true;
          },
          (err: unknown) => logger.warn({ eventId, err: err instanceof Error ? err.message : String(err) }, 'lease renewal failed; retrying'),
        )
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return lease;
}
