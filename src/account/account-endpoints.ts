/**
 * The /account page's own endpoints (PRODUCT.md "account page"), as rows for the gateway's table:
 *
 * - `GET /account`: the sign-in form, or, with a session, the person's own account.
 * - `POST /account/sign-in`: CSRF-checked, then the one sign-in of oauth/sign-in.ts (so a
 *   failure counts in the brute-force limits and the audit trail, and two-factor users must send
 *   their code). Only the account password opens a session: an app password must not become a
 *   session that could manage the account. Success sets the session cookie (HttpOnly,
 *   SameSite=Lax, Path=/, Secure over https; absolute lifetime `account.sessionTtlSeconds`) and
 *   answers 303 to /account; a failure shows the form again with 401 (429 with Retry-After once
 *   the limits are reached).
 * - `POST /account/sign-out`: CSRF-checked; removes the session from the store and the cookie.
 * - `GET /account/account.js`: the page's one script (page/account-script.ts), same origin.
 *
 * The session is the one the OIDC sign-in page uses too (oidc/browser-session.ts): signing in
 * here signs the browser in there, and signing out here ends it there. Its record has an empty
 * scope and its cookie is no credential the credential parser knows, so it opens nothing behind
 * the gateway; the proxy also drops it from the Cookie header it forwards
 * (proxy/forwarded-headers.ts `dropCookies`).
 */
import { PasscodeRequired } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { Endpoint } from '../http/router.js';
import { passcodeRequiredText, type SignIn, signInFailedText } from '../oauth/sign-in.js';
import { type BrowserSessions, browserSessionCookieName } from '../oidc/browser-session.js';
import { type AccountForms, accountPagePath } from './account-forms.js';
import { accountScript, accountScriptPath } from './page/account-script.js';

export const accountPaths = { page: accountPagePath, signIn: '/account/sign-in', signOut: '/account/sign-out', script: accountScriptPath } as const;

/** The browser session's cookie, shared with the OIDC sign-in page; the proxy drops it from forwarded requests. */
export const accountCookieName = browserSessionCookieName;

export interface AccountEndpointsDeps {
  sessions: BrowserSessions;
  signIn: SignIn;
  forms: AccountForms;
  trustedProxies: ReadonlySet<string>;
}

export function createAccountEndpoints(deps: AccountEndpointsDeps): Endpoint[] {
  const { forms } = deps;
  return [
    {
      path: accountPaths.page,
      methods: {
        GET: async ({ req, res }) => forms.show(req, res, 200, await deps.sessions.find(req)),
      },
    },
    {
      path: accountPaths.script,
      methods: {
        GET: async ({ res }) => {
          res.writeHead(200, {
            'content-type': 'text/javascript; charset=utf-8',
            'content-length': Buffer.byteLength(accountScript),
            'cache-control': 'no-cache',
            'x-content-type-options': 'nosniff',
          });
          res.end(accountScript);
        },
      },
    },
    {
      path: accountPaths.signIn,
      methods: {
        POST: async ({ req, res }) => {
          let username = '';
          try {
            const form = await forms.readForm(req);
            username = (form.get('username') ?? '').trim();
            let error = signInFailedText;
            try {
              const principal = await deps.signIn(clientAddress(req, deps.trustedProxies), username, form.get('password') ?? '', form.get('code'));
              if (principal !== undefined && principal.kind === 'user_password' && principal.username !== null) {
                await deps.sessions.start(req, res, principal.username, principal.amr);
                forms.seeAccount(res);
                return;
              }
              if (principal !== undefined) error = 'Sign in with your account password, not an app password.';
            } catch (caught) {
              if (!(caught instanceof PasscodeRequired)) throw caught;
              error = passcodeRequiredText;
            }
            await forms.show(req, res, 401, undefined, { error, triedUsername: username });
          } catch (error) {
            await forms.showRefusal(req, res, undefined, error, { triedUsername: username });
          }
        },
      },
    },
    {
      path: accountPaths.signOut,
      methods: {
        POST: async ({ req, res }) => {
          try {
            await forms.readForm(req);
            await deps.sessions.end(req, res);
            forms.seeAccount(res);
          } catch (error) {
            await forms.showRefusal(req, res, await deps.sessions.find(req), error);
          }
        },
      },
    },
  ];
}
