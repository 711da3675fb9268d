/**
 * For tests of the Users section of /account (issue 14 point 3): signing in to /account over
 * plain HTTP and posting its forms, and reading a user's card off the page.
 */
import { type FormPage, getFormPage, postForm } from './oauth-forms.js';

export interface AccountSession {
  page(): Promise<FormPage>;
  html(): Promise<string>;
  /** Posts one of the page's forms (with the CSRF token of a fresh page, or of `from`). */
  post(path: string, fields: Record<string, string>, from?: FormPage): Promise<{ status: number; html: string }>;
}

export async function signInToAccount(gw: { url: string }, username: string, password: string): Promise<AccountSession> {
  const form = await getFormPage(`${gw.url}/account`);
  const res = await postForm(`${gw.url}/account/sign-in`, form, { username, password });
  if (res.status !== 303) throw new Error(`sign-in of ${username} answered ${res.status}`);
  const cookie = `${form.cookie}; ${(res.headers.getSetCookie().find((c) => c.startsWith('photogate-account=')) ?? '').split(';')[0]}`;
  const page = () => getFormPage(`${gw.url}/account`, cookie);
  return {
    page,
    html: async () => (await page()).html,
    async post(path, fields, from) {
      const res = await postForm(`${gw.url}${path}`, from ?? (await page()), fields);
      return { status: res.status, html: await res.text() };
    },
  };
}

export interface UserFacts {
  role: string;
  webdav: string;
  twoFactor: string;
  status: string;
  created: string;
  appPasswords: string;
  you: boolean;
}

/** A user's card in the Users section; undefined when the user is not listed. */
export function userFacts(html: string, username: string): UserFacts | undefined {
  const start = html.indexOf(`<li id="user-${username}" class="user">`);
  if (start === -1) return undefined;
  const card = html.slice(start, html.indexOf('</li>', start));
  const [role, webdav, twoFactor, status, created, appPasswords] = [...card.matchAll(/<dd>([^<]*)<\/dd>/g)].map((m) => m[1] as string);
  return { role, webdav, twoFactor, status, created, appPasswords, you: card.includes(`<h3>${username} (you)</h3>`) } as UserFacts;
}
