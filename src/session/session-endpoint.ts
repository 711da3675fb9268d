/**
 * /api/v1/session: the reference server's login API (PRODUCT.md "session API",
 * reference-photoprism.md §1.2, §1.5).
 *
 * - POST takes a JSON body `{username, password}` (JSON only, as the reference). The user's own
 *   password gives a session with scope `*`; an app password gives one only when its scope allows
 *   creating sessions (`*` or `sessions`, §1.5), with the app password's scope and never outliving
 *   it. An access token or a client secret is nobody's password, so it fails like a wrong one
 *   (seeds: 003). The failure never tells whether the username exists.
 * - GET describes the session whose token is sent; DELETE ends it. Only session tokens are
 *   accepted there: other tokens have their own lifecycle (`auth rm`, RFC 7009 revocation).
 *
 * - A user with two-factor on signing in with their own password sends `code` too; without it
 *   the answer is 401 `passcode_required` with `code: 32` (oauth/sign-in.ts). The session records
 *   how the person signed in (`amr`).
 * - Both POST and GET add what PhotoPrism's web UI reads (photoprism/photoprism-session-parts.ts):
 *   `user` with the upstream UID, `provider`, `config`; never the upstream credential.
 *
 * `session_id` is the token's public reference id, never its digest. Pinned by
 * test/integration/session-api.test.ts and photoprism-web-ui.test.ts.
 */
import type { Audit } from '../audit/audit.js';
import { scopeAllows } from '../access/scope-grant.js';
import { type Clock, nowSeconds } from '../clock.js';
import type { Authenticator } from '../credentials/authenticate.js';
import { issueCredential } from '../credentials/issue-credential.js';
import type { Principal } from '../credentials/principal.js';
import { requireTokenPrincipal, withBearerChallenge } from '../credentials/require-token-principal.js';
import { InvalidRequest, InvalidToken, LoginFailed } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler, EndpointRequest } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import type { SignIn } from '../oauth/sign-in.js';
import { photoprismSessionParts } from '../photoprism/photoprism-session-parts.js';
import type { UpstreamIdentitySource } from '../photoprism/upstream-identity.js';
import type { Store } from '../store/store.js';

export interface SessionEndpointDeps {
  store: Store;
  clock: Clock;
  authenticator: Authenticator;
  /** Password checks behind the failure limiter (oauth/sign-in.ts). */
  signIn: SignIn;
  audit: Audit;
  trustedProxies: ReadonlySet<string>;
  sessionTtlSeconds: number;
  bodyLimitBytes: number;
  upstreamIdentity: UpstreamIdentitySource;
}

const loginFailed = (detail: string) =>
  new LoginFailed({ description: 'Wrong username or password.', detail, headers: { 'www-authenticate': 'Bearer realm="photogate"' } });

type SessionView = Pick<Principal, 'credentialId' | 'scope' | 'expiresAt' | 'username' | 'role'>;

export function sessionEndpoint(deps: SessionEndpointDeps): Record<'POST' | 'GET' | 'DELETE', EndpointHandler> {
  const { store, clock } = deps;

  async function describe(session: SessionView, viaAppPassword: boolean, now: number) {
    const user = await store.findUser(session.username as string);
    if (user === undefined) throw new InvalidToken({ description: 'The credential is not valid.', detail: 'user removed' });
    const { user: userView, provider, config } = photoprismSessionParts(user, viaAppPassword, await deps.upstreamIdentity.get());
    return {
      expires_in: session.expiresAt === null ? undefined : Math.max(0, session.expiresAt - now),
      session_id: session.credentialId,
      scope: session.scope,
      user: userView,
      provider,
      ...(config === undefined ? {} : { config }),
    };
  }

  async function viaAppPassword(session: Principal): Promise<boolean> {
    return (await store.findToken(session.credentialId as string))?.grantType === 'app_password';
  }

  async function requireSession({ req }: EndpointRequest): Promise<Principal> {
    const principal = await requireTokenPrincipal(req.headersDistinct, deps.authenticator);
    if (principal.kind !== 'session') {
      throw withBearerChallenge(new InvalidToken({ description: 'Send a session token.', detail: `a ${principal.kind}` }));
    }
    return principal;
  }

  return {
    async POST({ req, res }) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') throw new InvalidRequest({ description: 'Send a JSON body.' });
      const params = await readFormBody(req, deps.bodyLimitBytes);
      const username = params.get('username') ?? '';
      const password = params.get('password') ?? '';
      if (username === '' || password === '') throw new InvalidRequest({ description: 'username and password are required.' });
      const address = clientAddress(req, deps.trustedProxies);
      const login = await deps.signIn(address, username, password, params.get('code'));
      if (login === undefined) throw loginFailed('wrong username or password');
      if (login.kind === 'app_password' && !scopeAllows(login.grant, 'sessions', 'POST')) {
        throw loginFailed('app password whose scope does not allow sessions');
      }
      const now = nowSeconds(clock);
      const ttlSeconds = login.expiresAt === null ? deps.sessionTtlSeconds : Math.min(deps.sessionTtlSeconds, login.expiresAt - now);
      const { secret, record } = await issueCredential(store, clock, {
        kind: 'session',
        name: login.kind === 'app_password' ? `session of ${login.credentialId}` : 'session',
        username: login.username,
        clientId: null,
        scope: login.scope,
        grantType: login.kind === 'app_password' ? 'app_password' : 'password',
        ttlSeconds,
        // A session opened with an app password ends when that app password is revoked.
        familyId: login.kind === 'app_password' ? login.credentialId : null,
        signIn: { amr: [...login.amr] },
      });
      deps.audit.record({ event: 'token_issued', outcome: 'success', username: login.username, credential: record.id, address, via: 'session' });
      const session = { ...login, credentialId: record.id, expiresAt: record.expiresAt };
      sendJson(res, 200, { access_token: secret, token_type: 'Bearer', ...(await describe(session, login.kind === 'app_password', now)) });
    },

    async GET(request) {
      const session = await requireSession(request);
      sendJson(request.res, 200, await describe(session, await viaAppPassword(session), nowSeconds(clock)));
    },

    async DELETE(request) {
      const session = await requireSession(request);
      await store.removeToken(session.credentialId as string);
      const address = clientAddress(request.req, deps.trustedProxies);
      deps.audit.record({ event: 'token_revoked', outcome: 'success', username: session.username, credential: session.credentialId, address, via: 'session' });
      sendJson(request.res, 200, { status: 'deleted', session_id: session.credentialId });
    },
  };
}
