/**
 * photogate's one browser session, shared by the /account page and the OAuth/OIDC sign-in page
 * (issue 14): signing in on either signs the browser in on both, for single sign-on (OIDC Core
 * §3.1.2.3). After a sign-in with the account password the browser keeps a cookie, so the next
 * relying party (or `prompt=none`) is answered without the password again; its record's id is
 * the `sid` of every ID token that sign-in produced. Signing out at /account and RP-initiated
 * logout both remove that one record, so each ends the session the other side sees.
 *
 * - The record is an ordinary token (kind `session`, grantType `browser`), stored as a digest
 *   like every credential, with the sign-in facts (`authTime`, `amr`). Its scope is empty: it
 *   opens no resource, and the cookie is no credential the credential parser knows, so it is
 *   useless as an API credential.
 * - Cookie `__Secure-photogate-account` over https (`photogate-account` over plain http),
 *   HttpOnly, SameSite=Lax (a relying party sends the browser here with a top-level redirect,
 *   which must carry it; a cross-site POST must not), and Path=/ (the account page's contract,
 *   PRODUCT.md "account page"). Because every path receives it, the proxy removes it from the
 *   Cookie header of every request it forwards upstream (proxy/forwarded-headers.ts
 *   `dropCookies`, pinned by test/integration/account-page.test.ts). It has no Domain, so apps
 *   behind forward-auth on hosts of their own never receive it.
 * - One lifetime: `account.sessionTtlSeconds` (absolute, from sign-in; default 14 days). The
 *   session API's tokens (POST /api/v1/session) keep their own `tokens.sessionTtlSeconds`.
 * - An app password signs in for one approval only: it must not become a session that could
 *   approve more than the app password holds, nor manage the account.
 * Pinned by test/integration/account-devices.test.ts (one session on both pages) and
 * test/integration/oidc-openid-client.test.ts (sid, prompt, logout).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, nowSeconds } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import { digestSecret } from '../credentials/secrets.js';
import { readCookie } from '../http/read-cookie.js';
import { findActiveUser } from '../store/find-active-user.js';
import type { TokenRecord, UserRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface BrowserSession {
  token: TokenRecord;
  user: UserRecord;
  /** Epoch seconds of the sign-in. */
  authTime: number;
  amr: readonly string[];
}

export interface BrowserSessions {
  find(req: IncomingMessage): Promise<BrowserSession | undefined>;
  /** A new session for this browser; the one its cookie named before (a sign-in again, or as someone else) is removed. */
  start(req: IncomingMessage, res: ServerResponse, username: string, amr: readonly string[]): Promise<BrowserSession>;
  /** Removes the session the request's cookie names, and the cookie. */
  end(req: IncomingMessage, res: ServerResponse): Promise<BrowserSession | undefined>;
}

const TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

export interface BrowserSessionOptions {
  store: Store;
  clock: Clock;
  secure: boolean;
  ttlSeconds: number;
  path: string;
}

/** The cookie's name without `__Secure-`; the proxy drops it from forwarded requests. */
export const browserSessionCookieName = 'photogate-account';

export function createBrowserSessions(deps: BrowserSessionOptions): BrowserSessions {
  const name = deps.secure ? `__Secure-${browserSessionCookieName}` : browserSessionCookieName;
  const attributes = `Path=${deps.path}; HttpOnly; SameSite=Lax${deps.secure ? '; Secure' : ''}`;

  async function find(req: IncomingMessage): Promise<BrowserSession | undefined> {
    const secret = readCookie(req, name);
    if (secret === undefined || !TOKEN.test(secret)) return undefined;
    const token = await deps.store.findTokenByDigest(digestSecret(secret));
    if (token === undefined || token.kind !== 'session' || token.grantType !== 'browser' || token.username === null) return undefined;
    if (token.expiresAt !== null && token.expiresAt <= nowSeconds(deps.clock)) return undefined;
    const user = await findActiveUser(deps.store, token.username);
    if (user === undefined) return undefined;
    return { token, user, authTime: token.authTime ?? token.createdAt, amr: token.amr ?? ['pwd'] };
  }

  return {
    find,
    async start(req, res, username, amr) {
      const previous = readCookie(req, name);
      if (previous !== undefined && TOKEN.test(previous)) {
        const old = await deps.store.findTokenByDigest(digestSecret(previous));
        if (old?.kind === 'session' && old.grantType === 'browser') await deps.store.removeToken(old.id);
      }
      const now = nowSeconds(deps.clock);
      const { secret, record } = await issueCredential(deps.store, deps.clock, {
        kind: 'session', name: 'browser sign-in', username, clientId: null, scope: '', grantType: 'browser',
        ttlSeconds: deps.ttlSeconds, signIn: { authTime: now, amr: [...amr] },
      });
      res.appendHeader('set-cookie', `${name}=${secret}; ${attributes}; Max-Age=${deps.ttlSeconds}`);
      const user = await deps.store.findUser(username);
      if (user === undefined) throw new Error(`user ${username} vanished during sign-in`);
      return { token: record, user, authTime: now, amr };
    },
    async end(req, res) {
      const session = await find(req);
      if (session !== undefined) await deps.store.removeToken(session.token.id);
      if (readCookie(req, name) !== undefined) res.appendHeader('set-cookie', `${name}=; ${attributes}; Max-Age=0`);
      return session;
    },
  };
}
