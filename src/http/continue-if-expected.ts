/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1) asks whether the body is wanted before it is sent.
 * Node would say yes to every request before any check, so an upload with no, a wrong or a
 * read-only credential was invited to send its body only to be refused. server.ts hands Node's
 * `checkContinue` to the ordinary request handler instead, and the gateway calls this once it
 * has decided to take the request (admitted for the upstream, or one of its own endpoints). A
 * refused request gets its final status first; Node then closes the connection, because the
 * body never came (RFC 9110 §10.1.1: close or read and discard). Pinned by
 * test/integration/expect-continue.test.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The expectation Node itself recognises (node:http's `continueExpression`). */
const continueExpectation = /(?:^|\W)100-continue(?:$|\W)/i;

export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  const expect = req.headers.expect;
  if (expect === undefined || !continueExpectation.test(expect)) return;
  // An HTTP/1.0 client must never get a 1xx (RFC 9110 §15.2).
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return;
  if (!res.headersSent) res.writeContinue();
}
