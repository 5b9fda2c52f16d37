import { type Logger, pino } from 'pino';
import type { Config } from '../config';

export type { Logger };

/**
 * Paths pino blanks in every log line: credentials in headers, personal data and tokens in bodies we log.
 * Query strings are cut from logged URLs by the request serializer (`?email=` must not reach a log).
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.email',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.code',
  '*.secret',
  '*.apiKey',
];

/**
 * pino-pretty's options in development: one line per record (extra fields inline, as JSON). A request's line says
 * everything in its message (`GET /demo 200 4ms`, see `requestLogging`), so its `res` and `responseTime` are not
 * repeated; the request id stays.
 */
export const prettyOptions = {
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,res,responseTime',
  singleLine: true,
};

/** Readable lines: development, with pino-pretty installed (a production image has only the dependencies). */
export function usesPrettyLogs(config: Pick<Config, 'env'>): boolean {
  return config.env === 'development' && hasPinoPretty();
}

/** JSON lines in production; readable lines in development when pino-pretty is installed. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    ...(usesPrettyLogs(config) ? { transport: { target: 'pino-pretty', options: prettyOptions } } : {}),
  });
}

function hasPinoPretty(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
