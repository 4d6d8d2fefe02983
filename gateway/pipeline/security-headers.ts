import type { RequestHandler, Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's headers, set by one middleware. With content security policy off (an API serves no
 * pages; Sandbox is local only), what helmet sets depends on its options alone, never on the
 * request — yet it runs a dozen middlewares per response, ~3 % of the gateway's CPU under load.
 * So helmet runs once, on a recording response, and each response gets what it recorded.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  if (options.contentSecurityPolicy !== false) return helmet(options);
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let done = false;
  helmet(options)({} as Request, recorder as unknown as Response, () => {
    done = true;
  });
  // helmet finished synchronously without failing: the recording is complete.
  if (!done) return helmet(options);
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
