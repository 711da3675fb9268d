/**
 * The /account page's app password forms (PRODUCT.md "account page"), for the signed-in person's
 * own app passwords only:
 *
 * - `POST /account/app-passwords`: name, resources (checkboxes from the configured scopes), an
 *   optional read-only switch and an expiry (never / 30 days / 1 year). The page then shows the
 *   new password once, with a QR code of it (a data: URI PNG from the `qrcode` package, which the
 *   page CSP's `img-src data:` allows); only its digest is kept.
 * - `POST /account/app-passwords/revoke`: removes one of the person's own app passwords; another
 *   person's id is refused like an unknown one (404), so ids cannot be probed.
 *
 * Both CSRF-checked; without a session, 401 and the sign-in form.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDataURL } from 'qrcode';
import { normalizeScope } from '../access/normalize-scope.js';
import type { Clock } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import { InvalidRequest, NotFound } from '../errors.js';
import { readFormBody } from '../http/read-form-body.js';
import type { Endpoint } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import { issueCsrfToken, verifyCsrfToken } from '../oauth/csrf.js';
import type { BrowserSession, BrowserSessions } from '../oidc/browser-session.js';
import type { Store } from '../store/store.js';
import type { AccountActions } from './account-actions.js';
import { type AccountPageOptions, renderAccountPage } from './account-page.js';

export const appPasswordPaths = { create: '/account/app-passwords', revoke: '/account/app-passwords/revoke' } as const;

/** The expiry choices of the form, by their value. */
const expiries: Readonly<Record<string, number | null>> = { never: null, '30d': 30 * 86_400, '1y': 365 * 86_400 };

export interface AppPasswordEndpointsDeps {
  sessions: BrowserSessions;
  actions: AccountActions;
  store: Store;
  clock: Clock;
  resources: ReadonlySet<string>;
  secure: boolean;
  bodyLimitBytes: number;
}

export function createAppPasswordEndpoints(deps: AppPasswordEndpointsDeps): Endpoint[] {
  const resources = [...deps.resources].sort();

  async function show(req: IncomingMessage, res: ServerResponse, session: BrowserSession, extra: Partial<AccountPageOptions> = {}): Promise<void> {
    const username = session.user.username;
    const page = renderAccountPage({ ...extra, username, resources, appPasswords: await deps.actions.listAppPasswords(username), csrfToken: issueCsrfToken(req, res, deps.secure) });
    sendHtml(res, 200, page);
  }

  /** The form, CSRF-checked, and the session; without one, 401 and the sign-in form. */
  async function signedInForm(req: IncomingMessage, res: ServerResponse) {
    const form = await readFormBody(req, deps.bodyLimitBytes);
    verifyCsrfToken(req, form.get('csrf_token'), deps.secure);
    const session = await deps.sessions.find(req);
    if (session === undefined) sendHtml(res, 401, renderAccountPage({ csrfToken: issueCsrfToken(req, res, deps.secure), error: 'Sign in first.' }));
    return { form, session };
  }

  return [
    {
      path: appPasswordPaths.create,
      methods: {
        POST: async ({ req, res }) => {
          const { form, session } = await signedInForm(req, res);
          if (session === undefined) return;
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
          await show(req, res, session, { created: { name, secret, qrCode: await toDataURL(secret) } });
        },
      },
    },
    {
      path: appPasswordPaths.revoke,
      methods: {
        POST: async ({ req, res }) => {
          const { form, session } = await signedInForm(req, res);
          if (session === undefined) return;
          const id = form.get('id') ?? '';
          const own = (await deps.actions.listAppPasswords(session.user.username)).find((token) => token.id === id);
          if (own === undefined) throw new NotFound({ description: 'No such app password of yours.' });
          await deps.store.removeToken(own.id);
          res.writeHead(303, { location: '/account', 'cache-control': 'no-store' }).end();
        },
      },
    },
  ];
}
