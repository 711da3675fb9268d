/**
 * GET/POST /api/v1/oauth/authorize (RFC 6749 §4.1): GET shows the sign-in and consent page for
 * a valid request; POST checks the CSRF token, then either declines (redirect with
 * `error=access_denied`) or signs the person in and redirects with a single-use `code`, the
 * `state` and `iss` (RFC 9207). A bad client or redirect URI gets an error page, never a
 * redirect (§4.1.2.1); every later error is redirected.
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

export interface AuthorizeDeps {
  store: Store;
  clock: Clock;
  signIn: SignIn;
  issuer: string;
  path: string;
  codeTtlSeconds: number;
  bodyLimitBytes: number;
  trustedProxies: ReadonlySet<string>;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

export function authorizeEndpoint(deps: AuthorizeDeps): { get: EndpointHandler; post: EndpointHandler } {
  const secure = deps.issuer.startsWith('https:');

  function showPage(req: IncomingMessage, res: ServerResponse, request: AuthorizationRequest, status: number, username?: string, error?: string) {
    const page = renderAuthorizePage({
      clientName: request.client.name,
      scopes: request.scope.split(' '),
      action: deps.path,
      hidden: request.params,
      csrfToken: issueCsrfToken(req, res, secure),
      ...(username === undefined ? {} : { username }),
      ...(error === undefined ? {} : { error }),
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
      await withRequest(res, readQueryParams(target.query.slice(1)), async (request) => showPage(req, res, request, 200));
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
        const username = form.get('username') ?? '';
        let principal;
        try {
          principal = await deps.signIn(clientAddress(req, deps.trustedProxies), username, form.get('password') ?? '', form.get('code'));
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
        const code = await createAuthorizationCode(deps.store, deps.clock, request, principal.username as string, deps.codeTtlSeconds, principal.amr);
        answer({ code });
      });
    },
  };
}
