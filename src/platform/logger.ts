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

/** JSON lines in production; readable lines in development when pino-pretty is installed. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>): Logger {
  const pretty = config.env === 'development' && hasPinoPretty();
  return pino({
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
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
