import type { Response } from 'express';
import type { Partner } from './partner-key';
import type { Subject } from './rate-limit';

/** What the HTTP steps before Apollo leave on `res.locals` (Express types it as `any`). */
export interface GatewayLocals {
  requestId: string;
  userId?: string | null;
  partner?: Partner;
  /** Who the rate limits count this request against (the cost-unit limit reads it too). */
  rateSubject?: Subject;
}

export const locals = (res: Response) => res.locals as GatewayLocals;

/** A refusal before Apollo, in GraphQL's error shape with a stable code. */
export function sendError(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}
