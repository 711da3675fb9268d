/**
 * The idle time-out of the browser session (issue 14: `account.idleTimeoutSeconds`, 7 days by
 * default, beside the absolute `account.sessionTtlSeconds`). The session is the one of /account
 * and of the OAuth/OIDC sign-in page (oidc/browser-session.ts), so gateway.ts wraps it once for
 * both: a session not used on either for longer is over, and the page asks for sign-in again.
 * "Used" is the session's last use as the usage recorder knows it (credentials/token-usage.ts:
 * the stored time merged with this process's unwritten one), noted here each time a page or form
 * finds the session; a session never used counts from its sign-in. An idle session found is
 * removed (audited as `token_revoked`, reason `idle time-out`); one never found again stays in the
 * store until the purge takes it at its absolute expiry, and the devices list leaves it out
 * (device-actions.ts uses `isIdle` too).
 * Pinned by test/integration/account-idle-timeout.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Audit } from '../audit/audit.js';
import { type Clock, nowSeconds } from '../clock.js';
import type { TokenUsage } from '../credentials/token-usage.js';
import type { BrowserSessions } from '../oidc/browser-session.js';
import type { TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface IdleSessionDeps {
  store: Store;
  /** An idle session removed is a session ended (audit/audit.ts `token_revoked`). */
  audit: Audit;
  clock: Clock;
  usage: TokenUsage;
  idleTimeoutSeconds: number;
  /** The client address, as the rate limits see it (http/client-address.ts). */
  addressOf: (req: IncomingMessage) => string;
}

/** Whether a session (its last use merged in) has been idle for longer than the time-out. */
export function isIdle(token: TokenRecord, now: number, idleTimeoutSeconds: number): boolean {
  return now - (token.lastUsedAt ?? token.authTime ?? token.createdAt) > idleTimeoutSeconds;
}

export function limitIdleSessions(sessions: BrowserSessions, deps: IdleSessionDeps): BrowserSessions {
  return {
    ...sessions,
    async find(req) {
      const session = await sessions.find(req);
      if (session === undefined) return undefined;
      if (isIdle(deps.usage.withPending(session.token), nowSeconds(deps.clock), deps.idleTimeoutSeconds)) {
        const removed = await deps.store.removeToken(session.token.id).catch(() => undefined);
        const { id, username } = session.token;
        if (removed) deps.audit.record({ event: 'token_revoked', outcome: 'success', username, credential: id, address: deps.addressOf(req), action: 'session ended', reason: 'idle time-out' });
        return undefined;
      }
      deps.usage.record(session.token.id, deps.addressOf(req));
      return session;
    },
  };
}
