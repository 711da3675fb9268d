/**
 * What every /account form shares, so each section's endpoints are only their own action:
 *
 * - `show`: the page (sign-in form without a session), with a fresh-or-reused CSRF token.
 * - `signedIn(action)`: an endpoint for a form only a signed-in person may post. The body is
 *   read (bounded), the CSRF token checked, the session found (none: 401 and the sign-in form);
 *   then the action runs. What it returns is shown on the page (a one-time notice); `undefined`
 *   means it answered itself (a 303 back to /account, Post/Redirect/Get).
 * - Refusals are pages too: a GatewayError below 500 (a bad form 400, a wrong password, 404, 413,
 *   429 with its Retry-After) shows the page again with its description in a role="alert"
 *   paragraph and the error's status and headers; a browser without JavaScript never lands on a
 *   JSON body. Anything else (5xx) goes to the gateway's one error formatter.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { type FormParams, readFormBody } from '../http/read-form-body.js';
import type { EndpointHandler } from '../http/router.js';
import { sendHtml } from '../http/send-html.js';
import { issueCsrfToken, verifyCsrfToken } from '../oauth/csrf.js';
import type { BrowserSession, BrowserSessions } from '../oidc/browser-session.js';
import type { LoadAccountPage } from './account-page-data.js';
import { type AccountPageOptions, renderAccountPage } from './account-page.js';

export const accountPagePath = '/account';

export interface SignedInCall {
  req: IncomingMessage;
  res: ServerResponse;
  form: FormParams;
  session: BrowserSession;
}

/** What the page shows once after an action (besides its sections). */
export type PageExtras = Omit<AccountPageOptions, 'csrfToken' | 'scriptNonce' | 'data'>;

export interface AccountForms {
  show(req: IncomingMessage, res: ServerResponse, status: number, session: BrowserSession | undefined, extras?: PageExtras, headers?: Record<string, string>): Promise<void>;
  /** The form's body, CSRF-checked. */
  readForm(req: IncomingMessage): Promise<FormParams>;
  signedIn(action: (call: SignedInCall) => Promise<PageExtras | undefined>): EndpointHandler;
  /** Shows the page with the refusal when `error` is one (below 500); rethrows anything else. */
  showRefusal(req: IncomingMessage, res: ServerResponse, session: BrowserSession | undefined, error: unknown, extras?: PageExtras): Promise<void>;
  /** 303 to /account (Post/Redirect/Get). */
  seeAccount(res: ServerResponse): void;
}

export interface AccountFormsDeps {
  sessions: BrowserSessions;
  load: LoadAccountPage;
  secure: boolean;
  bodyLimitBytes: number;
}

/** Seconds as a person reads them: "40 seconds", "3 minutes". */
function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export function createAccountForms(deps: AccountFormsDeps): AccountForms {
  const forms: AccountForms = {
    async show(req, res, status, session, extras = {}, headers = {}) {
      const data = session === undefined ? undefined : await deps.load(session);
      // 128 random bits per response (CSP3 §7.2: unguessable, never reused).
      const scriptNonce = randomBytes(16).toString('base64');
      const page = renderAccountPage({ ...extras, ...(data && { data }), scriptNonce, csrfToken: issueCsrfToken(req, res, deps.secure) });
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      sendHtml(res, status, page, { scriptNonce });
    },

    async readForm(req) {
      const form = await readFormBody(req, deps.bodyLimitBytes);
      verifyCsrfToken(req, form.get('csrf_token'), deps.secure);
      return form;
    },

    async showRefusal(req, res, session, error, extras = {}) {
      if (!(error instanceof GatewayError) || error.status >= 500 || res.headersSent) throw error;
      // The body may be unread (a refusal before reading it, 413): drain it so the answer is read.
      req.resume();
      const wait = error.status === 429 ? Number(error.headers['retry-after']) : Number.NaN;
      const message = Number.isFinite(wait) ? `Too many failed attempts: try again in ${waitText(wait)}.` : (error.description ?? 'The request was refused.');
      await forms.show(req, res, error.status, session, { ...extras, error: message }, error.headers);
    },

    signedIn(action) {
      return async ({ req, res }) => {
        let session: BrowserSession | undefined;
        try {
          session = await deps.sessions.find(req);
          const form = await forms.readForm(req);
          if (session === undefined) {
            await forms.show(req, res, 401, undefined, { error: 'Sign in first.' });
            return;
          }
          const extras = await action({ req, res, form, session });
          if (extras !== undefined) await forms.show(req, res, 200, session, extras);
        } catch (error) {
          await forms.showRefusal(req, res, session, error);
        }
      };
    },

    seeAccount(res) {
      res.writeHead(303, { location: accountPagePath, 'cache-control': 'no-store' }).end();
    },
  };
  return forms;
}
