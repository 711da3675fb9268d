/**
 * The browser session of photogate's sign-in page, for single sign-on (OIDC Core §3.1.2.3):
 * after a sign-in with the account password the browser keeps a cookie, so the next relying party
 * (or `prompt=none`) is answered without the password again; its record's id is the `sid` of
 * every ID token that sign-in produced, and RP-initiated logout removes it.
 *
 * - The record is an ordinary token (kind `session`, grantType `browser`), stored as a digest
 *   like every credential, with the sign-in facts (`authTime`, `amr`). Its scope is empty: it
 *   opens no resource, so the cookie is useless as an API credential.
 * - Cookie `__Secure-photogate-session` over https (`photogate-session` over plain http),
 *   HttpOnly, SameSite=Lax (a relying party sends the browser here with a top-level redirect,
 *   which must carry it; a cross-site POST must not), and Path=/api/v1/oauth: only the authorize
 *   and logout endpoints receive it, never the upstream behind the gateway.
 * - An app password signs in for one approval only: it must not become a session that could
 *   approve more than the app password holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, nowSeconds } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import { digestSecret } from '../credentials/secrets.js';
import { readCookie } from '../http/read-cookie.js';
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
  start(res: ServerResponse, username: string, amr: readonly string[]): Promise<BrowserSession>;
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
  /** The cookie's name without the `__Secure-` prefix (default `photogate-session`). */
  cookieName?: string;
}

export function createBrowserSessions(deps: BrowserSessionOptions): BrowserSessions {
  const base = deps.cookieName ?? 'photogate-session';
  const name = deps.secure ? `__Secure-${base}` : base;
  const attributes = `Path=${deps.path}; HttpOnly; SameSite=Lax${deps.secure ? '; Secure' : ''}`;

  async function find(req: IncomingMessage): Promise<BrowserSession | undefined> {
    const secret = readCookie(req, name);
    if (secret === undefined || !TOKEN.test(secret)) return undefined;
    const token = await deps.store.findTokenByDigest(digestSecret(secret));
    if (token === undefined || token.kind !== 'session' || token.grantType !== 'browser' || token.username === null) return undefined;
    if (token.expiresAt !== null && token.expiresAt <= nowSeconds(deps.clock)) return undefined;
    const user = await deps.store.findUser(token.username);
    if (user === undefined) return undefined;
    return { token, user, authTime: token.authTime ?? token.createdAt, amr: token.amr ?? ['pwd'] };
  }

  return {
    find,
    async start(res, username, amr) {
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
