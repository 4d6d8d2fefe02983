import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON, one line per event; `service` on every line so logs from four containers can be mixed. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization'], censor: '[redacted]' },
  });
}
