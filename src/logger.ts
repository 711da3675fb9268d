/**
 * Structured JSON logs on stderr (stdout is the CLI's and `listening on`'s). Nothing logged here
 * ever holds a secret: requests are logged by method, canonical path, status and the credential's
 * public reference id; credential headers are redacted as a second line of defence.
 *
 * Lines are written in batches of at least 4 KiB, and at the latest every 250 ms: with one
 * `write(2)` per line the request log alone cost about 5 % of the gateway's CPU under load
 * (issue 6, profiled with `npm run bench`). pino writes what is left synchronously on exit,
 * crashes included.
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
    pino.destination({ fd: 2, sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}
