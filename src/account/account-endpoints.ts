/**
 * The /account page's endpoints (PRODUCT.md "account page"), as rows for the gateway's table:
 *
 * - `GET /account`: the sign-in form, or, with a session, the person's own account.
 * - `POST /account/sign-in`: CSRF-checked, then the one sign-in of oauth/sign-in.ts (so a
 *   failure counts in the brute-force limits and the audit trail, and two-factor users must send
 *   their code). Only the account password opens a session: an app password must not become a
 *   session that could manage the account. Success sets the session cookie (HttpOnly,
 *   SameSite=Lax, Path=/, Secure over https; absolute lifetime `account.sessionTtlSeconds`) and
 *   answers 303 to /account; a failure shows the form again with 401.
 * - `POST /account/sign-out`: CSRF-checked; removes the session from the store and the cookie.
 *
 * The session record has an empty scope (oidc/browser-session.ts) and its cookie is no credential
 * the credential parser knows, so it opens nothing behind the gateway; the proxy also drops it
 * from the Cookie header it forwards (proxy/forwarded-headers.ts `dropCookies`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PasscodeRequired } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { readFormBody } from '../http/read-form-body.js';
import type { Endpoint } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import { issueCsrfToken, verifyCsrfToken } from '../oauth/csrf.js';
import { passcodeRequiredText, type SignIn, signInFailedText } from '../oauth/sign-in.js';
import type { BrowserSessions } from '../oidc/browser-session.js';
import type { AccountActions } from './account-actions.js';
import { type AccountPageOptions, renderAccountPage } from './account-page.js';

export const accountPaths = { page: '/account', signIn: '/account/sign-in', signOut: '/account/sign-out' } as const;

/** The cookie's name without `__Secure-`; the proxy drops it from forwarded requests. */
export const accountCookieName = 'photogate-account';

export interface AccountEndpointsDeps {
  sessions: BrowserSessions;
  signIn: SignIn;
  actions: AccountActions;
  secure: boolean;
  trustedProxies: ReadonlySet<string>;
  bodyLimitBytes: number;
  /** The configured scopes' resources, for the app password form. */
  resources: ReadonlySet<string>;
}

export function createAccountEndpoints(deps: AccountEndpointsDeps): Endpoint[] {
  const show = (req: IncomingMessage, res: ServerResponse, status: number, options: Omit<AccountPageOptions, 'csrfToken'>) =>
    sendHtml(res, status, renderAccountPage({ ...options, csrfToken: issueCsrfToken(req, res, deps.secure) }));

  const seeAccount = (res: ServerResponse): void => {
    res.writeHead(303, { location: accountPaths.page, 'cache-control': 'no-store' }).end();
  };

  async function readVerifiedForm(req: IncomingMessage) {
    const form = await readFormBody(req, deps.bodyLimitBytes);
    verifyCsrfToken(req, form.get('csrf_token'), deps.secure);
    return form;
  }

  return [
    {
      path: accountPaths.page,
      methods: {
        GET: async ({ req, res }) => {
          const session = await deps.sessions.find(req);
          if (session === undefined) return show(req, res, 200, {});
          const username = session.user.username;
          show(req, res, 200, { username, resources: [...deps.resources].sort(), appPasswords: await deps.actions.listAppPasswords(username) });
        },
      },
    },
    {
      path: accountPaths.signIn,
      methods: {
        POST: async ({ req, res }) => {
          const form = await readVerifiedForm(req);
          const username = (form.get('username') ?? '').trim();
          let error = signInFailedText;
          try {
            const principal = await deps.signIn(clientAddress(req, deps.trustedProxies), username, form.get('password') ?? '', form.get('code'));
            if (principal !== undefined && principal.kind === 'user_password' && principal.username !== null) {
              await deps.sessions.start(res, principal.username, principal.amr);
              seeAccount(res);
              return;
            }
            if (principal !== undefined) error = 'Sign in with your account password, not an app password.';
          } catch (caught) {
            if (!(caught instanceof PasscodeRequired)) throw caught;
            error = passcodeRequiredText;
          }
          show(req, res, 401, { error, triedUsername: username });
        },
      },
    },
    {
      path: accountPaths.signOut,
      methods: {
        POST: async ({ req, res }) => {
          await readVerifiedForm(req);
          await deps.sessions.end(req, res);
          seeAccount(res);
        },
      },
    },
  ];
}
