/**
 * RP-Initiated Logout 1.0 at /api/v1/oauth/logout (GET, POST): ends the browser session of
 * photogate's sign-in page and, with `revoke_refresh_tokens=true` (a photogate extension) and
 * that browser session present, the refresh tokens (and their access tokens) the client holds for
 * that user (an ID token alone revokes nothing: it is no credential); then redirects to the
 * client's `post_logout_redirect_uri` with `state`, or shows a signed-out page.
 *
 * - `id_token_hint` is checked against our own published keys and issuer; an expired one is
 *   still a good hint (§2). It names the client (`aud`) and the session (`sid`).
 * - `post_logout_redirect_uri` must be one the client registered (`clients add
 *   --post-logout-redirect-uri`), compared exactly; anything else gets an error page, never a
 *   redirect (§3.1, an open redirector otherwise).
 * - Without a hint that names this browser's session, the person is asked first (§2: the OP
 *   should confirm), through a form with a CSRF token: a link on another site cannot sign
 *   anyone out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import { issueCsrfToken, verifyCsrfToken } from '../oauth/csrf.js';
import { readQueryParams } from '../oauth/authorization-request.js';
import { renderErrorPage } from '../oauth/pages/error-page.js';
import { html } from '../oauth/pages/html.js';
import { renderPage } from '../oauth/pages/render-page.js';
import { buildRedirect } from '../oauth/redirect-uri.js';
import type { ClientRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { BrowserSession, BrowserSessions } from './browser-session.js';
import type { SigningKeys } from './signing-keys.js';
import { subjectOf } from './subject.js';

export interface LogoutDeps {
  store: Store;
  clock: Clock;
  keys: SigningKeys;
  sessions: BrowserSessions;
  issuer: string;
  path: string;
  bodyLimitBytes: number;
}

const CARRIED = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'revoke_refresh_tokens'];

class LogoutRefused extends Error {}

async function readHint(deps: LogoutDeps, hint: string): Promise<JWTPayload> {
  const keys = createLocalJWKSet(await deps.keys.jwks());
  try {
    return (await jwtVerify(hint, keys, { issuer: deps.issuer })).payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) return error.payload;
    throw new LogoutRefused('The id_token_hint is not an ID token photogate issued.');
  }
}

export function logoutEndpoint(deps: LogoutDeps): { get: EndpointHandler; post: EndpointHandler } {
  const secure = deps.issuer.startsWith('https:');

  async function resolveClient(params: ReadonlyMap<string, string>, hint: JWTPayload | undefined): Promise<ClientRecord | undefined> {
    const audience = Array.isArray(hint?.aud) ? hint.aud[0] : hint?.aud;
    const clientId = params.get('client_id') ?? audience;
    if (params.get('client_id') !== undefined && audience !== undefined && audience !== params.get('client_id')) {
      throw new LogoutRefused('client_id and the id_token_hint name different applications.');
    }
    const client = clientId === undefined ? undefined : await deps.store.findClient(clientId);
    const target = params.get('post_logout_redirect_uri');
    if (target !== undefined && !(client?.postLogoutRedirectUris ?? []).includes(target)) {
      throw new LogoutRefused('The post_logout_redirect_uri is not registered for this application.');
    }
    return client;
  }

  async function endFor(req: IncomingMessage, res: ServerResponse, params: ReadonlyMap<string, string>, client: ClientRecord | undefined) {
    const session = await deps.sessions.end(req, res);
    // Only with this browser's session: an ID token is no credential (it travels in URLs and
    // logs), so a hint alone must not end someone's refresh tokens.
    if (params.get('revoke_refresh_tokens') === 'true' && client !== undefined && session !== undefined) {
      const families = new Set(
        (await deps.store.listTokensOfUser(session.user.username))
          .filter((t) => t.kind === 'refresh_token' && t.clientId === client.clientId)
          .map((t) => t.familyId ?? t.id),
      );
      for (const family of families) await deps.store.removeTokenFamily(family);
    }
    const target = params.get('post_logout_redirect_uri');
    if (target !== undefined) {
      res.writeHead(303, { location: buildRedirect(target, { state: params.get('state') }), 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    sendHtml(res, 200, renderPage({ title: 'Signed out', body: html`<h1>Signed out</h1>\n<p>You are signed out of photogate.</p>` }));
  }

  function confirmPage(req: IncomingMessage, res: ServerResponse, params: ReadonlyMap<string, string>, session: BrowserSession | undefined) {
    const hidden = CARRIED.filter((k) => params.has(k)).map((k) => html`<input type="hidden" name="${k}" value="${params.get(k) ?? ''}">\n`);
    const who = session === undefined ? html`` : html`<p>Signed in as <strong>${session.user.username}</strong>.</p>`;
    const body = html`<h1>Sign out?</h1>
${who}<form method="post" action="${deps.path}">
${hidden}<input type="hidden" name="csrf_token" value="${issueCsrfToken(req, res, secure)}">
<div class="buttons">
<button type="submit" name="decision" value="logout">Sign out</button>
</div>
</form>`;
    const target = params.get('post_logout_redirect_uri');
    sendHtml(res, 200, renderPage({ title: 'Sign out', body }), target === undefined ? {} : { formActionOrigins: [target] });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, params: ReadonlyMap<string, string>, confirmed: boolean) {
    try {
      const raw = params.get('id_token_hint');
      const hint = raw === undefined ? undefined : await readHint(deps, raw);
      const client = await resolveClient(params, hint);
      const session = await deps.sessions.find(req);
      const hintNamesSession = hint !== undefined && session !== undefined &&
        (hint.sid === session.token.id || (hint.sid === undefined && hint.sub === subjectOf(session.user)));
      if (!confirmed && session !== undefined && !hintNamesSession) return confirmPage(req, res, params, session);
      await endFor(req, res, params, client);
    } catch (error) {
      if (!(error instanceof LogoutRefused)) throw error;
      sendHtml(res, 400, renderErrorPage({ title: 'This sign-out link is not valid', message: error.message }));
    }
  }

  return {
    get: async ({ req, res, target }) => handle(req, res, readQueryParams(target.query.slice(1)), false),
    post: async ({ req, res }) => {
      const form = await readFormBody(req, deps.bodyLimitBytes);
      const confirmed = form.get('decision') === 'logout';
      if (confirmed) verifyCsrfToken(req, form.get('csrf_token'), secure);
      await handle(req, res, form, confirmed);
    },
  };
}
