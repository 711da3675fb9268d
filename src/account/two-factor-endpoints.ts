/**
 * The /account two-factor forms (PRODUCT.md "account page"), on the account actions the JSON API
 * uses too (account-actions.ts), so both front ends set up, check and audit alike:
 *
 * - `POST /account/two-factor/set-up`: the password; answers the page with the QR code of the
 *   `otpauth://` URI and the key in text (shown only here), and the code field.
 * - `POST /account/two-factor/enable`: one valid code confirms and turns it on; the page shows
 *   the recovery codes once.
 * - `POST /account/two-factor/recovery-codes`: password and a code; a new set replaces the old,
 *   shown once.
 * - `POST /account/two-factor/disable`: password and a code (or a recovery code); 303 back.
 * Wrong input shows the page with an alert and its 4xx (account-forms.ts).
 */
import { InvalidGrant, InvalidRequest } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { Endpoint } from '../http/router.js';
import type { AccountActions } from './account-actions.js';
import type { AccountForms, SignedInCall } from './account-forms.js';
import { twoFactorPaths } from './page/two-factor-section.js';

export interface TwoFactorEndpointsDeps {
  forms: AccountForms;
  actions: AccountActions;
  trustedProxies: ReadonlySet<string>;
}

function required(call: SignedInCall, name: string, description: string): string {
  const value = (call.form.get(name) ?? '').trim();
  if (value === '') throw new InvalidRequest({ description });
  return value;
}

const passwordOf = (call: SignedInCall) => {
  const value = call.form.get('password') ?? '';
  if (value === '') throw new InvalidRequest({ description: 'Enter your password.' });
  return value;
};
const codeOf = (call: SignedInCall) => required(call, 'code', 'Enter a code from your authenticator app, or a recovery code.');

export function createTwoFactorEndpoints(deps: TwoFactorEndpointsDeps): Endpoint[] {
  const { actions, forms } = deps;
  const address = (call: SignedInCall) => clientAddress(call.req, deps.trustedProxies);
  const post = (path: string, action: Parameters<AccountForms['signedIn']>[0]): Endpoint => ({ path, methods: { POST: forms.signedIn(action) } });

  return [
    post(twoFactorPaths.setUp, async (call) => {
      const view = await actions.setUpTwoFactor(call.session.user.username, passwordOf(call), address(call));
      return { twoFactorShown: { kind: 'set-up', view } };
    }),
    post(twoFactorPaths.enable, async (call) => {
      const username = call.session.user.username;
      const code = required(call, 'code', 'Enter the code from your authenticator app.');
      if ((await actions.requireUser(username)).twoFactor?.activatedAt != null) throw new InvalidRequest({ description: 'Two-factor sign-in is on already.' });
      if ((await actions.confirmTwoFactor(username, code)) === undefined) {
        throw new InvalidGrant({ description: 'The code is not right, or was used already: try the next one.' });
      }
      const view = await actions.activateTwoFactor(username, address(call));
      return { twoFactorShown: { kind: 'recovery-codes', codes: view.RecoveryCodes } };
    }),
    post(twoFactorPaths.recoveryCodes, async (call) => {
      const codes = await actions.regenerateRecoveryCodes(call.session.user.username, passwordOf(call), codeOf(call), address(call));
      return { twoFactorShown: { kind: 'recovery-codes', codes } };
    }),
    post(twoFactorPaths.disable, async (call) => {
      await actions.deactivateTwoFactor(call.session.user.username, passwordOf(call), address(call), codeOf(call));
      forms.seeAccount(call.res);
      return undefined;
    }),
  ];
}
