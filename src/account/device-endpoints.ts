/**
 * The /account page's forms for signed-in browsers, connected apps and paired devices (issue 14),
 * for the signed-in person's own only (account-forms.ts checks the form's CSRF token and the
 * session; device-actions.ts decides what is theirs):
 *
 * - `POST /account/browsers/revoke` (`id`): ends one of their sessions. Ending the one this
 *   browser is signed in with signs it out (cookie removed), here and on the OIDC sign-in page.
 * - `POST /account/apps/revoke` (`client_id`): disconnects an app: every token it holds for them.
 * - `POST /account/devices/revoke` (`id`): unpairs one device authorization.
 *
 * Another person's id answers 404 like an unknown one. Each answers 303 back to /account.
 */
import { clientAddress } from '../http/client-address.js';
import type { Endpoint } from '../http/router.js';
import type { BrowserSessions } from '../oidc/browser-session.js';
import type { AccountForms } from './account-forms.js';
import type { DeviceActions } from './device-actions.js';

export const devicePaths = { browsers: '/account/browsers/revoke', apps: '/account/apps/revoke', devices: '/account/devices/revoke' } as const;

export interface DeviceEndpointsDeps {
  forms: AccountForms;
  actions: DeviceActions;
  sessions: BrowserSessions;
  trustedProxies: ReadonlySet<string>;
}

const via = 'account page';

export function createDeviceEndpoints(deps: DeviceEndpointsDeps): Endpoint[] {
  const { forms, actions } = deps;
  const contextOf = (req: Parameters<typeof clientAddress>[0]) => ({ address: clientAddress(req, deps.trustedProxies), via });
  return [
    {
      path: devicePaths.browsers,
      methods: {
        POST: forms.signedIn(async ({ req, res, form, session }) => {
          const id = form.get('id') ?? '';
          await actions.endSession(session.user.username, id, contextOf(req));
          // This browser's own session: also take its cookie away (it signs out).
          if (id === session.token.id) await deps.sessions.end(req, res);
          forms.seeAccount(res);
          return undefined;
        }),
      },
    },
    {
      path: devicePaths.apps,
      methods: {
        POST: forms.signedIn(async ({ req, res, form, session }) => {
          await actions.disconnectApp(session.user.username, form.get('client_id') ?? '', contextOf(req));
          forms.seeAccount(res);
          return undefined;
        }),
      },
    },
    {
      path: devicePaths.devices,
      methods: {
        POST: forms.signedIn(async ({ req, res, form, session }) => {
          await actions.unpairDevice(session.user.username, form.get('id') ?? '', contextOf(req));
          forms.seeAccount(res);
          return undefined;
        }),
      },
    },
  ];
}
