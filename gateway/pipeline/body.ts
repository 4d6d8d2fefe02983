import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { sendError } from './locals';

/** The step: the JSON body, at most BODY_LIMIT (refusals are answered by httpErrors). */
export function jsonBody(limit: string): RequestHandler {
  return express.json({ limit });
}

/** Body parser and other HTTP-level failures, answered in GraphQL's error shape with a stable code (the app's last handler). */
export function httpErrors(limit: string, logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    // body-parser tells its failures apart by `type` (and an HTTP status on the error).
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') {
      sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body too large (limit ${limit}).`);
    } else if (e.type === 'entity.parse.failed') {
      sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON.');
    } else if (e.status && e.status >= 400 && e.status < 500) {
      sendError(res, e.status, 'BAD_REQUEST', 'Bad request.');
    } else {
      logger.error({ err }, 'unhandled gateway error');
      sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    }
  };
}

/** Anything else (including /metrics, in any spelling: it has its own port) is a 404. */
export function notFound(): RequestHandler {
  return (_req, res) => sendError(res, 404, ErrorCode.NOT_FOUND, 'Not found.');
}
