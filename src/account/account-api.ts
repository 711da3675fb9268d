/**
 * The account API in PhotoPrism's shapes, answered by photogate and never forwarded
 * (PRODUCT.md "account API", photoprism-web-ui.md §2 "Account dialogs"):
 *
 *   GET  /api/v1/users/{id}/sessions             the caller's app passwords (LastActive: last use, epoch s, 0 never)
 *   PUT  /api/v1/users/{id}/password             {old, new}
 *   POST /api/v1/users/{id}/passcode             {type: "totp", password}  set up
 *   POST /api/v1/users/{id}/passcode/confirm     {type, code}
 *   POST /api/v1/users/{id}/passcode/activate    {type}
 *   POST /api/v1/users/{id}/passcode/deactivate  {type, password}
 *
 * - The caller is a user's session or user access token (`X-Auth-Token` or Bearer), or the
 *   /account page's browser session with its CSRF token in `X-CSRF-Token`; app passwords and
 *   tokens issued to clients are refused (403): they never manage accounts.
 * - `{id}` is the caller's username or the upstream `UID` the session answer handed out; any other
 *   id is 403, except for an administrator (role `admin`), who may act for any user by username
 *   (the Users section's actions, user-admin-actions.ts): list their app passwords, set a new
 *   password without the old one (their sessions end), and turn their two-factor sign-in off;
 *   setting two-factor up stays the user's own (403). An unknown username is 404.
 * Every passcode step takes the one body shape `{type, code, password}`; a field a step does not
 * need is ignored (deactivate asks for the password only, as PhotoPrism's UI sends no code there;
 * the account page asks for both). The answers add `RecoveryCodes` (every recovery code while
 * they are shown) beside `RecoveryCode` (the first). Pinned by test/integration/account-api.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../credentials/authenticate.js';
import type { Principal } from '../credentials/principal.js';
import { parseCredentials } from '../credentials/parse-credentials.js';
import type { TokenUsage } from '../credentials/token-usage.js';
import { requireTokenPrincipal } from '../credentials/require-token-principal.js';
import { parseScopeGrant } from '../access/scope-grant.js';
import { verifyCsrfToken } from '../oauth/csrf.js';
import type { BrowserSession, BrowserSessions } from '../oidc/browser-session.js';
import { AccessDenied, InvalidGrant, InvalidRequest, MethodNotAllowed } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { type FormParams, readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler, EndpointRequest } from '../http/router.js';
import { sendJson } from '../http/send-json.js';
import type { UpstreamIdentitySource } from '../photoprism/upstream-identity.js';
import type { AccountActions } from './account-actions.js';
import type { UserAdminActions } from './user-admin-actions.js';

export interface AccountApiDeps {
  actions: AccountActions;
  authenticator: Authenticator;
  upstreamIdentity: UpstreamIdentitySource;
  trustedProxies: ReadonlySet<string>;
  bodyLimitBytes: number;
  /** The /account page's browser sessions, accepted with the CSRF header. */
  browserSessions: BrowserSessions;
  secure: boolean;
  /** The caller's session or token is a use like any other (credentials/token-usage.ts). */
  usage?: TokenUsage;
  /** An admin acting for another user goes through these. */
  userAdmin: UserAdminActions;
}

/** The header a same-origin script sends the page's CSRF token in (double submit, oauth/csrf.ts). */
export const csrfHeader = 'x-csrf-token';

export interface AccountApi {
  /** The handler for this path, undefined when it is not an account path; throws 405 for a wrong method. */
  find(method: string, path: string): EndpointHandler | undefined;
}

interface Call {
  request: EndpointRequest;
  principal: Principal;
  /** The account acted on: the caller's own, or, for an admin, anyone's. */
  username: string;
  address: string;
  /** An admin acting for another user. */
  forOther: boolean;
}

type Action = (call: Call) => Promise<void>;

const pattern = /^\/api\/v1\/users\/([^/]+)\/(sessions|password|passcode(?:\/(?:confirm|activate|deactivate))?)$/;

async function readBody(req: IncomingMessage, limit: number): Promise<FormParams> {
  return readFormBody(req, limit);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function requireType(params: FormParams): void {
  const type = params.get('type') ?? 'totp';
  if (type !== 'totp') throw new InvalidRequest({ description: 'Only type "totp" is supported.' });
}

export function createAccountApi(deps: AccountApiDeps): AccountApi {
  const { actions } = deps;
  const body = (call: Call) => readBody(call.request.req, deps.bodyLimitBytes);
  const ok = (call: Call, answer: unknown) => sendJson(call.request.res, 200, answer);
  const by = (call: Call) => ({ username: call.principal.username, address: call.address });
  const ownOnly = (call: Call) => {
    if (call.forOther) throw new AccessDenied({ description: 'Two-factor sign-in is set up by the user themself.', detail: `admin for ${call.username}` });
  };

  const actionsByPath: Record<string, Record<string, Action>> = {
    sessions: {
      GET: async (call) => {
        const list = await actions.listAppPasswords(call.username);
        ok(
          call,
          list.map((token) => ({ ID: token.id, ClientName: token.name, AuthScope: token.scope, LastActive: token.lastUsedAt ?? 0, Expires: token.expiresAt ?? 0, CreatedAt: token.createdAt })),
        );
      },
    },
    password: {
      PUT: async (call) => {
        const params = await body(call);
        if (call.forOther) await deps.userAdmin.resetPassword(by(call), call.username, params.get('new') ?? '');
        else await actions.changePassword(call.username, params.get('old') ?? '', params.get('new') ?? '', call.principal.credentialId, call.address);
        ok(call, { code: 200, message: 'Password changed.' });
      },
    },
    passcode: {
      POST: async (call) => {
        const params = await body(call);
        requireType(params);
        ownOnly(call);
        ok(call, await actions.setUpTwoFactor(call.username, params.get('password') ?? '', call.address));
      },
    },
    'passcode/confirm': {
      POST: async (call) => {
        const params = await body(call);
        requireType(params);
        ownOnly(call);
        const view = await actions.confirmTwoFactor(call.username, params.get('code') ?? '');
        if (view === undefined) throw new InvalidGrant({ description: 'The code is not right, or was used already.' });
        ok(call, view);
      },
    },
    'passcode/activate': {
      POST: async (call) => {
        requireType(await body(call));
        ownOnly(call);
        ok(call, await actions.activateTwoFactor(call.username, call.address));
      },
    },
    'passcode/deactivate': {
      POST: async (call) => {
        const params = await body(call);
        requireType(params);
        if (call.forOther) await deps.userAdmin.turnOffTwoFactor(by(call), call.username);
        else await actions.deactivateTwoFactor(call.username, params.get('password') ?? '', call.address);
        ok(call, { Type: 'totp', Secret: '', QRCode: '', RecoveryCode: '', RecoveryCodes: [], VerifiedAt: null, ActivatedAt: null, URI: '' });
      },
    },
  };

  /**
   * The /account page's session as the caller, for a request without any credential header: only
   * with the page's CSRF token in X-CSRF-Token, which a cross-site page cannot read, so a
   * cookie the browser attaches on its own never acts (issue 14: "the JSON endpoints accept the
   * browser session only with that check"). Its scope is empty: it opens only these endpoints.
   */
  async function browserSessionCaller(req: IncomingMessage): Promise<Principal | undefined> {
    if (parseCredentials(req.headersDistinct) !== undefined) return undefined;
    const session: BrowserSession | undefined = await deps.browserSessions.find(req);
    if (session === undefined) return undefined;
    verifyCsrfToken(req, req.headersDistinct[csrfHeader]?.[0], deps.secure);
    const { token, user } = session;
    return {
      kind: 'session', username: user.username, role: user.role, webdav: false, clientId: null, credentialId: token.id,
      scope: '', grant: parseScopeGrant(''), expiresAt: token.expiresAt, twoFactor: user.twoFactor?.activatedAt != null, amr: session.amr,
    };
  }

  /** The caller, and the account acted on. */
  async function requireCaller(request: EndpointRequest, id: string): Promise<{ principal: Principal & { username: string }; target: string }> {
    const principal = (await browserSessionCaller(request.req)) ?? (await requireTokenPrincipal(request.req.headersDistinct, deps.authenticator));
    const isUserToken = principal.username !== null && principal.clientId === null && (principal.kind === 'session' || principal.kind === 'access_token');
    if (!isUserToken) {
      throw new AccessDenied({ description: 'App passwords and client tokens cannot manage accounts.', detail: `a ${principal.kind}` });
    }
    const username = principal.username as string;
    const caller = { ...principal, username };
    const named = decodeSegment(id).toLowerCase();
    if (named === username) return { principal: caller, target: username };
    const uid = (await deps.upstreamIdentity.get())?.user.UID;
    if (uid !== undefined && id === uid) return { principal: caller, target: username };
    if (principal.role !== 'admin') throw new AccessDenied({ description: 'You can only manage your own account.', detail: `id ${id}` });
    return { principal: caller, target: (await deps.userAdmin.requireUser(named)).username };
  }

  return {
    find(method, path) {
      const match = pattern.exec(path);
      if (match === null) return undefined;
      const [, id = '', kind = ''] = match;
      const methods = actionsByPath[kind] as Record<string, Action>;
      const action = methods[method];
      if (action === undefined) throw new MethodNotAllowed(Object.keys(methods));
      return async (request) => {
        const { principal, target } = await requireCaller(request, id);
        const address = clientAddress(request.req, deps.trustedProxies);
        if (principal.credentialId !== null) deps.usage?.record(principal.credentialId, address);
        await action({ request, principal, username: target, forOther: target !== principal.username, address });
      };
    },
  };
}
