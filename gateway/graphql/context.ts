import type { Request, Response } from 'express';
import { createCallerSigner } from '../../platform/identity';
import type { Logger } from '../../platform/logger';
import type { PlanRecipes } from '../apollo-patches/answer-sharing';
import type { LiveRequest } from '../live/prepare';
import { locals } from '../pipeline/locals';
import type { Subject } from '../pipeline/rate-limit';

/** What every resolver, plugin and subgraph call of one request sees. */
export interface GatewayContext {
  requestId: string;
  userId: string | null;
  partnerId: string | null;
  /** The client IP of an anonymous caller (null when signed in), as signed into its identity. */
  clientIp: string | null;
  log: Logger;
  /** The signed identity header for one subgraph (its name is the token's audience). */
  identity?: (subgraph: string) => Promise<string>;
  /** Whose request and cost budgets this request draws from (pipeline/rate-limit.ts). */
  rateSubject: Subject;
  /** Where this request's query plan writes into subgraph answers (null: a plan not analysed). */
  answerRecipes?: PlanRecipes | null;
  /** Set by a streaming transport (SSE, WebSocket): a subscription is captured here to stream (live/prepare.ts). */
  live?: LiveRequest;
}

/** Apollo's context function: the request as the HTTP steps left it (pipeline/locals.ts), and the caller's identity signer. */
export function graphqlContext(logger: Logger, signingKey: string): (args: { req: Request; res: Response }) => Promise<GatewayContext> {
  const signIdentity = createCallerSigner(signingKey);
  return async ({ req, res }) => {
    const { requestId, rateSubject } = locals(res);
    const userId = locals(res).userId ?? null;
    const partnerId = locals(res).partner?.id ?? null;
    // Anonymous callers carry their IP, so each gets its own share of the TMDB budget.
    const clientIp = userId || partnerId ? null : (req.ip ?? null);
    const ctx: GatewayContext = {
      requestId,
      userId,
      partnerId,
      clientIp,
      rateSubject: rateSubject as Subject,
      log: logger.child({
        requestId,
        ip: req.ip,
        userId: userId ?? undefined,
        partnerId: partnerId ?? undefined,
        client: req.header('apollographql-client-name')?.slice(0, 64),
        clientVersion: req.header('apollographql-client-version')?.slice(0, 64),
      }),
    };
    const roles = locals(res).partner?.roles ?? [];
    const who = { userId, partnerId, clientIp, ...(roles.length ? { roles } : {}) };
    ctx.identity = (subgraph) => signIdentity(who, subgraph);
    return ctx;
  };
}
