/**
 * The /account page's app password forms (PRODUCT.md "account page"), for the signed-in person's
 * own app passwords only (account-forms.ts checks the form and the session):
 *
 * - `POST /account/app-passwords`: name, resources (checkboxes from the configured scopes), an
 *   optional read-only switch and an expiry (never / 30 days / 1 year). The page then shows the
 *   new password once, with a QR code of it (a data: URI PNG from the `qrcode` package, which the
 *   page CSP's `img-src data:` allows); only its digest is kept.
 * - `POST /account/app-passwords/revoke`: removes one of the person's own app passwords; another
 *   person's id is refused like an unknown one (404), so ids cannot be probed.
 */
import { toDataURL } from 'qrcode';
import { normalizeScope } from '../access/normalize-scope.js';
import type { Clock } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import { InvalidRequest, NotFound } from '../errors.js';
import type { Endpoint } from '../http/router.js';
import type { Store } from '../store/store.js';
import type { AccountActions } from './account-actions.js';
import type { AccountForms } from './account-forms.js';

export const appPasswordPaths = { create: '/account/app-passwords', revoke: '/account/app-passwords/revoke' } as const;

/** The expiry choices of the form, by their value. */
const expiries: Readonly<Record<string, number | null>> = { never: null, '30d': 30 * 86_400, '1y': 365 * 86_400 };

export interface AppPasswordEndpointsDeps {
  forms: AccountForms;
  actions: AccountActions;
  store: Store;
  clock: Clock;
  resources: ReadonlySet<string>;
}

export function createAppPasswordEndpoints(deps: AppPasswordEndpointsDeps): Endpoint[] {
  const resources = [...deps.resources].sort();
  return [
    {
      path: appPasswordPaths.create,
      methods: {
        POST: deps.forms.signedIn(async ({ form, session }) => {
          const name = (form.get('name') ?? '').trim();
          if (name === '' || name.length > 100) throw new InvalidRequest({ description: 'Give the app password a name (at most 100 characters).' });
          const chosen = resources.filter((resource) => form.get(`resource_${resource}`) === 'on');
          if (chosen.length === 0) throw new InvalidRequest({ description: 'Choose at least one resource.' });
          const expiry = form.get('expiry') ?? 'never';
          if (!(expiry in expiries)) throw new InvalidRequest({ description: 'Choose an expiry from the list.' });
          const scope = normalizeScope([...chosen, ...(form.get('read_only') === 'on' ? ['read'] : [])].join(' '));
          const { secret } = await issueCredential(deps.store, deps.clock, {
            kind: 'app_password', name, username: session.user.username, clientId: null, scope, grantType: 'account', ttlSeconds: expiries[expiry] ?? null,
          });
          return { created: { name, secret, qrCode: await toDataURL(secret) } };
        }),
      },
    },
    {
      path: appPasswordPaths.revoke,
      methods: {
        POST: deps.forms.signedIn(async ({ res, form, session }) => {
          const id = form.get('id') ?? '';
          const own = (await deps.actions.listAppPasswords(session.user.username)).find((token) => token.id === id);
          if (own === undefined) throw new NotFound({ description: 'No such app password of yours.' });
          await deps.store.removeToken(own.id);
          deps.forms.seeAccount(res);
          return undefined;
        }),
      },
    },
  ];
}
