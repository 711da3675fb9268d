/**
 * GET/POST /device: the RFC 8628 §3.3 verification page. The person enters the user code their
 * device shows, signs in, and allows or denies; the device learns the outcome by polling.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isScopeSubset, parseScopeGrant } from '../access/scope-grant.js';
import { type Clock, nowSeconds } from '../clock.js';
import { PasscodeRequired, PasscodeUsed, StoreConflict } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import type { Store } from '../store/store.js';
import { issueCsrfToken, verifyCsrfToken } from './csrf.js';
import { digestUserCode } from './device-codes.js';
import { type DevicePageOptions, renderDevicePage } from './pages/device-page.js';
import { passcodeRequiredText, type SignIn, signInFailedText } from './sign-in.js';

export interface DeviceVerificationDeps {
  store: Store;
  clock: Clock;
  signIn: SignIn;
  issuer: string;
  path: string;
  bodyLimitBytes: number;
  trustedProxies: ReadonlySet<string>;
}

const UNKNOWN_CODE = 'This code is not valid or has expired. Check the code your device shows.';

export function deviceVerificationEndpoint(deps: DeviceVerificationDeps): { get: EndpointHandler; post: EndpointHandler } {
  const secure = deps.issuer.startsWith('https:');
  const show = (req: IncomingMessage, res: ServerResponse, status: number, options: Omit<DevicePageOptions, 'action' | 'csrfToken'>) =>
    sendHtml(res, status, renderDevicePage({ action: deps.path, csrfToken: issueCsrfToken(req, res, secure), ...options }));

  return {
    get: async ({ req, res, target }) => {
      const userCode = new URLSearchParams(target.query.slice(1)).get('user_code') ?? undefined;
      show(req, res, 200, userCode === undefined ? {} : { userCode });
    },
    post: async ({ req, res }) => {
      const form = await readFormBody(req, deps.bodyLimitBytes);
      verifyCsrfToken(req, form.get('csrf_token'), secure);
      const userCode = form.get('user_code') ?? '';
      const now = nowSeconds(deps.clock);
      const grant = await deps.store.findGrantByUserCode(digestUserCode(userCode));
      if (grant === undefined || grant.status !== 'pending' || grant.expiresAt <= now) {
        show(req, res, 400, { userCode, error: UNKNOWN_CODE });
        return;
      }
      const client = await deps.store.findClient(grant.clientId);
      const context = { userCode, clientName: client?.name ?? grant.clientId, scopes: grant.scope.split(' ') };
      let principal;
      try {
        principal = await deps.signIn(clientAddress(req, deps.trustedProxies), form.get('username') ?? '', form.get('password') ?? '', form.get('code'));
      } catch (error) {
        if (!(error instanceof PasscodeRequired || error instanceof PasscodeUsed)) throw error;
        show(req, res, error.status, { ...context, error: error instanceof PasscodeUsed ? error.description as string : passcodeRequiredText });
        return;
      }
      if (principal === undefined) {
        show(req, res, 401, { ...context, error: signInFailedText });
        return;
      }
      const allow = form.get('decision') === 'allow' && isScopeSubset(parseScopeGrant(grant.scope), principal.grant);
      try {
        await deps.store.updateGrant(grant.id, { status: allow ? 'approved' : 'denied', username: principal.username, authTime: now, amr: [...principal.amr] }, ['pending']);
      } catch (error) {
        if (!(error instanceof StoreConflict)) throw error;
        show(req, res, 400, { userCode, error: UNKNOWN_CODE });
        return;
      }
      show(req, res, 200, { done: allow ? 'approved' : 'denied' });
    },
  };
}
