import { unauthenticated } from './errors';
import type { Caller } from './identity';

/** The signed-in user a field or mutation acts for; UNAUTHENTICATED when the caller is anonymous. */
export function viewer(ctx: { caller: Caller }): string {
  if (!ctx.caller.userId) throw unauthenticated();
  return ctx.caller.userId;
}
