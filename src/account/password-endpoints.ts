/**
 * The /account password change form (PRODUCT.md "account page"), on the account actions the JSON
 * API uses too (account-actions.ts `changePassword`):
 *
 * - `POST /account/password`: `current_password`, `new_password`, `new_password_again` (must
 *   match), `sign_out_everywhere` (checkbox). The current password is checked like every
 *   sign-in (failure limits, audit); a wrong one shows the page again with an alert and 400,
 *   never 401, which would read as being signed out. This browser's session stays; the others
 *   end; with the option every refresh token is revoked too. App passwords stay.
 */
import { InvalidRequest } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { Endpoint } from '../http/router.js';
import type { AccountActions } from './account-actions.js';
import type { AccountForms } from './account-forms.js';

export const passwordPath = '/account/password';

export interface PasswordEndpointsDeps {
  forms: AccountForms;
  actions: AccountActions;
  trustedProxies: ReadonlySet<string>;
}

export function createPasswordEndpoints(deps: PasswordEndpointsDeps): Endpoint[] {
  return [
    {
      path: passwordPath,
      methods: {
        POST: deps.forms.signedIn(async ({ req, form, session }) => {
          const current = form.get('current_password') ?? '';
          const next = form.get('new_password') ?? '';
          if (current === '') throw new InvalidRequest({ description: 'Enter your current password.' });
          if (next !== (form.get('new_password_again') ?? '')) throw new InvalidRequest({ description: 'The two new passwords are not the same.' });
          const everywhere = form.get('sign_out_everywhere') === 'on';
          const address = clientAddress(req, deps.trustedProxies);
          const changed = await deps.actions.changePassword(session.user.username, current, next, session.token.id, address, everywhere);
          return { passwordChanged: changed };
        }),
      },
    },
  ];
}
