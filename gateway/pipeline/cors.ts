import cors from 'cors';
import type { RequestHandler } from 'express';

/** CORS for /graphql from CORS_ORIGINS (comma-separated, `*` for any); a preflight ends here. */
export function corsPolicy(corsOrigins: string): RequestHandler {
  const origins = corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return cors({ origin: origins.includes('*') ? true : origins, maxAge: 600 });
}
