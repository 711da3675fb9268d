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

/**
 * The audit trail's logger (audit/audit.ts): named `photogate.audit`, always at info whatever
 * `log.level` says (only `silent` turns it off), written with the other logs on stderr, or
 * appended synchronously to `auditFile` (so a CLI command's event is on disk before it exits).
 */
export function createAuditLogger(logger: Logger | undefined, options: { level: string; auditFile?: string | undefined }): Logger {
  const settings = { level: options.level === 'silent' ? 'silent' : 'info', base: { name: 'photogate.audit' } };
  if (options.auditFile !== undefined) {
    return pino(settings, pino.destination({ dest: options.auditFile, append: true, sync: true, mkdir: true }));
  }
  if (logger === undefined) return pino({ ...settings, level: 'silent' });
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
  return pino(settings, stream);
}
