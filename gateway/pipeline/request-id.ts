import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { REQUEST_ID } from '../../platform/identity';
import { locals } from './locals';

/**
 * The request id: the client's `x-request-id` when it looks sane, else a UUID. Echoed in the
 * response, sent to the subgraphs, on every log line of the request.
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    locals(res).requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}
