/**
 * The request log line (log.requests): method, canonical path (never the query), status,
 * milliseconds and the credential's public reference id; never a secret.
 *
 * Written by hand to the logger's own destination, in exactly the shape pino gives every other
 * line (`{"level":30,"time":…,"name":"photogate",…,"msg":"request"}`): it is the one line
 * written per request, and pino's generic serialisation of it was the largest single cost the
 * gateway added to a proxied request (issue 6, profiled under `npm run bench`). Strings go
 * through JSON.stringify, so a path can never break the line.
 */
import { pino } from 'pino';
import type { Logger } from '../logger.js';

export interface RequestLogEntry {
  method: string | undefined;
  path: string | null;
  credential: string | null;
  status: number;
  ms: number;
}

const INFO = 30;

export function createRequestLog(logger: Logger): (entry: RequestLogEntry) => void {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!;
  const name = JSON.stringify((logger.bindings() as { name?: string }).name ?? 'photogate');
  return (entry) => {
    if (!logger.isLevelEnabled('info')) return;
    const method = entry.method === undefined ? '' : `,"method":${JSON.stringify(entry.method)}`;
    stream.write(
      `{"level":${INFO},"time":${Date.now()},"name":${name}${method},"path":${JSON.stringify(entry.path)},` +
        `"credential":${JSON.stringify(entry.credential)},"status":${entry.status},"ms":${entry.ms},"msg":"request"}\n`,
    );
  };
}
