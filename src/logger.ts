/**
 * Structured JSON logs on stderr (stdout is the CLI's and `listening on`'s). Nothing logged here
 * ever holds a secret: requests are logged by method, canonical path, status and the credential's
 * public reference id; credential headers are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { name: 'photogate' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', 'req.headers["x-session-id"]', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
