import type { DomainEvent } from '../../platform/events/types';

/** Points at which tests make the relay "crash", to prove nothing is lost or duplicated. */
export type CrashPoint = 'afterFeedPage' | 'afterPublish' | 'beforeDone';

export type CrashHook = (point: CrashPoint, event: DomainEvent) => void | Promise<void>;

/** A simulated crash from a test hook: it must escape the relay like a dying process. */
export class RelayCrash extends Error {
  override name = 'RelayCrash';
}

export function isCrash(err: unknown): boolean {
  return err instanceof RelayCrash;
}
