/**
 * GET/POST /api/v1/oauth/authorize (RFC 6749 §4.1): GET shows the sign-in and consent page for
 * a valid request; POST checks the CSRF token, then either declines (redirect with
 * `error=access_denied`) or signs the person in and redirects with a single-use `code`, the
 * `state` and `iss` (RFC 9207). A bad client or redirect URI gets an error page, never a
 * redirect (§4.1.2.1); every later error is redirected.
 *
 * OpenID Connect (Core §3.1.2): a browser session from an earlier password sign-in
 * (oidc/browser-session.ts) and a remembered consent (oidc/remembered-consent.ts) let a request
 * be answered without a page; `prompt=none` is answered only that way, else `login_required` or
 * `consent_required`; `prompt=login` and a `max_age` the session is older than ask for the
 * password again; `prompt=consent` shows the page. The sign-in facts (`auth_time`, `amr`, `sid`)
 * go with the code into the ID token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isScopeSubset, parseScopeGrant } from '../access/scope-grant.js';
import type { Clock } from '../clock.js';
import { clientAddress } from '../http/client-address.js';
import { readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import type { Store } from '../store/store.js';
import { createAuthorizationCode } from './authorization-codes.js';
import {
  type AuthorizationRequest,
  AuthorizationPageError,
  AuthorizationRedirectError,
  parseAuthorizationRequest,
  readQueryParams,
} from './authorization-request.js';
import { issueCsrfToken, verifyCsrfToken } from './csrf.js';
import { renderAuthorizePage } from './pages/authorize-page.js';
import { renderErrorPage } from './pages/error-page.js';
import { buildRedirect } from './redirect-uri.js';
import { passcodeRequiredText, type SignIn, signInFailedText } from './sign-in.js';
import { PasscodeRequired, PasscodeUsed } from '../errors.js';
import type { BrowserSession, BrowserSessions } from '../oidc/browser-session.js';
import type { RememberedConsent } from '../oidc/remembered-consent.js';
import { nowSeconds } from '../clock.js';
import type { SignInFields, UserRecord } from '../store/records.js';

export interface AuthorizeDeps {
  store: Store;
  clock: Clock;
  signIn: SignIn;
  issuer: string;
  path: string;
  codeTtlSeconds: number;
  bodyLimitBytes: number;
  trustedProxies: ReadonlySet<string>;
  sessions: BrowserSessions;
  consent: RememberedConsent;
}

const hasTwoFactor = (user: UserRecord) => user.twoFactor != null && user.twoFactor.activatedAt !== null;

const signInOf = (session: BrowserSession): SignInFields => ({ authTime: session.authTime, amr: [...session.amr], sid: session.token.id });

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

export function authorizeEndpoint(deps: AuthorizeDeps): { get: EndpointHandler; post: EndpointHandler } {
  const secure = deps.issuer.startsWith('https:');

  /** The browser session, when the request may use it: not with prompt=login, not older than max_age. */
  async function usableSession(req: IncomingMessage, request: AuthorizationRequest): Promise<BrowserSession | undefined> {
    if (request.prompt.has('login')) return undefined;
    const session = await deps.sessions.find(req);
    if (session === undefined) return undefined;
    if (request.maxAgeSeconds !== undefined && nowSeconds(deps.clock) - session.authTime > request.maxAgeSeconds) return undefined;
    // Two-factor turned on since this session signed in with the password alone: ask again,
    // with the code (issue 13), rather than let the old session stand in for it.
    if (hasTwoFactor(session.user) && !session.amr.includes('otp')) return undefined;
    return session;
  }

  async function issueCode(res: ServerResponse, request: AuthorizationRequest, username: string, signIn: SignInFields) {
    const code = await createAuthorizationCode(deps.store, deps.clock, request, username, deps.codeTtlSeconds, signIn);
    redirect(res, buildRedirect(request.redirectUri, { code, state: request.state, iss: deps.issuer }));
  }

  function showPage(req: IncomingMessage, res: ServerResponse, request: AuthorizationRequest, status: number, username?: string, error?: string, signedInAs?: string) {
    const page = renderAuthorizePage({
      clientName: request.client.name,
      scopes: request.scope.split(' '),
      action: deps.path,
      hidden: request.params,
      csrfToken: issueCsrfToken(req, res, secure),
      ...(username === undefined ? {} : { username }),
      ...(error === undefined ? {} : { error }),
      ...(signedInAs === undefined ? {} : { signedInAs }),
    });
    sendHtml(res, status, page, { formActionOrigins: [request.redirectUri] });
  }

  /** Answers the errors of the request itself: a page while the client is in doubt, else a redirect. */
  async function withRequest(res: ServerResponse, input: ReadonlyMap<string, string>, then: (r: AuthorizationRequest) => Promise<void>) {
    let request: AuthorizationRequest;
    try {
      request = await parseAuthorizationRequest(deps.store, input);
    } catch (error) {
      if (error instanceof AuthorizationPageError) {
        sendHtml(res, 400, renderErrorPage({ title: 'This sign-in link is not valid', message: error.description ?? 'Invalid request.' }));
        return;
      }
      if (error instanceof AuthorizationRedirectError) {
        redirect(res, buildRedirect(error.redirectUri, { error: error.code, error_description: error.description, state: error.state, iss: deps.issuer }));
        return;
      }
      throw error;
    }
    await then(request);
  }

  return {
    get: async ({ req, res, target }) => {
      await withRequest(res, readQueryParams(target.query.slice(1)), async (request) => {
        const session = await usableSession(req, request);
        const consented = session !== undefined && !request.prompt.has('consent') &&
          (await deps.consent.covers(session.user.username, request.client.clientId, request.scope));
        if (session !== undefined && consented) return issueCode(res, request, session.user.username, signInOf(session));
        if (request.prompt.has('none')) {
          const error = session === undefined ? 'login_required' : 'consent_required';
          redirect(res, buildRedirect(request.redirectUri, { error, state: request.state, iss: deps.issuer }));
          return;
        }
        showPage(req, res, request, 200, undefined, undefined, session?.user.username);
      });
    },
    post: async ({ req, res }) => {
      const form = await readFormBody(req, deps.bodyLimitBytes);
      await withRequest(res, form, async (request) => {
        verifyCsrfToken(req, form.get('csrf_token'), secure);
        const answer = (params: Record<string, string | undefined>) =>
          redirect(res, buildRedirect(request.redirectUri, { ...params, state: request.state, iss: deps.issuer }));
        if (form.get('decision') !== 'allow') {
          answer({ error: 'access_denied', error_description: 'The user did not allow access.' });
          return;
        }
        const password = form.get('password') ?? '';
        const session = password === '' ? await usableSession(req, request) : undefined;
        if (session !== undefined) {
          await deps.consent.remember(session.user.username, request.client.clientId, request.scope);
          return issueCode(res, request, session.user.username, signInOf(session));
        }
        const username = form.get('username') ?? '';
        let principal;
        try {
          principal = await deps.signIn(clientAddress(req, deps.trustedProxies), username, password, form.get('code'));
        } catch (error) {
          if (!(error instanceof PasscodeRequired || error instanceof PasscodeUsed)) throw error;
          showPage(req, res, request, error.status, username, error instanceof PasscodeUsed ? error.description : passcodeRequiredText);
          return;
        }
        if (principal === undefined) {
          showPage(req, res, request, 401, username, signInFailedText);
          return;
        }
        // An app password may only grant what it holds itself.
        if (!isScopeSubset(parseScopeGrant(request.scope), principal.grant)) {
          answer({ error: 'access_denied', error_description: 'The credential used may not grant this scope.' });
          return;
        }
        const user = principal.username as string;
        // RFC 8176: `pwd`, and `otp` + `mfa` when a second factor was checked (sign-in.ts); it
        // flows from the session or the code into every ID token of this sign-in.
        const amr = principal.amr;
        const signIn: SignInFields = principal.kind === 'user_password'
          ? signInOf(await deps.sessions.start(req, res, user, amr))
          : { authTime: nowSeconds(deps.clock), amr: [...amr] };
        if (principal.kind === 'user_password') await deps.consent.remember(user, request.client.clientId, request.scope);
        await issueCode(res, request, user, signIn);
      });
    },
  };
}
