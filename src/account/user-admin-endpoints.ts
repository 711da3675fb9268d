/**
 * The forms of the Users section of /account (page/users-section.ts), for administrators: each
 * is `forms.signedIn` (body, CSRF, session) and then `requireAdmin`, so anyone else gets the page
 * with a 403 refusal and nothing changes. The work is the user admin actions', the same the CLI
 * runs (user-admin-actions.ts); the admin is the actor of every audit event.
 *
 * - add: username, role, WebDAV switch; the generated password is shown once.
 * - reset-password: a generated password shown once; the user's sessions end.
 * - webdav, disabled: `on` or `off`.
 * - two-factor-off: the lost-phone case; they set it up again themselves.
 * - remove: asks first (a page with a confirm checkbox); only `confirm=yes` removes.
 * - app-passwords: shows one user's app passwords; app-passwords/revoke removes one of them.
 * An admin cannot reset, disable, remove or turn off two-factor for themself here (their own
 * sections do that, with their password), nor disable or remove the last admin.
 */
import { AccessDenied, InvalidRequest, NotFound } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { FormParams } from '../http/read-form-body.js';
import type { Endpoint } from '../http/router.js';
import type { AccountForms, PageExtras, SignedInCall } from './account-forms.js';
import { userAdminPaths, type UserAdminNotice } from './page/users-section.js';
import { type Actor, normalizeUsername, type UserAdminActions } from './user-admin-actions.js';

export interface UserAdminEndpointsDeps {
  forms: AccountForms;
  actions: UserAdminActions;
  trustedProxies: ReadonlySet<string>;
}

type AdminAction = (call: SignedInCall, by: Actor & { username: string }) => Promise<UserAdminNotice>;

function onOff(form: FormParams, name: string): boolean {
  const value = form.get(name);
  if (value !== 'on' && value !== 'off') throw new InvalidRequest({ description: `${name} must be on or off.` });
  return value === 'on';
}

function notSelf(by: Actor, username: string, what: string): void {
  if (by.username === username) throw new InvalidRequest({ description: `You cannot ${what} for your own account here.` });
}

export function createUserAdminEndpoints(deps: UserAdminEndpointsDeps): Endpoint[] {
  const { actions } = deps;
  const target = (form: FormParams) => normalizeUsername(form.get('username') ?? '');

  const handlers: Record<keyof typeof userAdminPaths, AdminAction> = {
    async add({ form }, by) {
      const role = form.get('role') ?? 'user';
      if (role !== 'user' && role !== 'admin') throw new InvalidRequest({ description: 'The role is admin or user.' });
      const { user, generatedPassword } = await actions.addUser(by, { username: form.get('username') ?? '', role, webdav: form.get('webdav') === 'on' });
      return { kind: 'password', username: user.username, password: generatedPassword as string, added: true };
    },
    async resetPassword({ form }, by) {
      const username = target(form);
      notSelf(by, username, 'reset the password');
      const { user, generatedPassword } = await actions.resetPassword(by, username);
      return { kind: 'password', username: user.username, password: generatedPassword as string, added: false };
    },
    async webdav({ form }, by) {
      const user = await actions.setWebdav(by, target(form), onOff(form, 'webdav'));
      return { kind: 'done', text: `WebDAV is ${user.webdav ? 'on' : 'off'} for ${user.username}.` };
    },
    async disabled({ form }, by) {
      const user = await actions.setDisabled(by, target(form), onOff(form, 'disabled'));
      return { kind: 'done', text: `${user.username} is ${user.disabled ? 'disabled: none of their passwords, app passwords or sessions work' : 'enabled again'}.` };
    },
    async twoFactorOff({ form }, by) {
      const username = target(form);
      notSelf(by, username, 'turn two-factor off');
      await actions.turnOffTwoFactor(by, username);
      return { kind: 'done', text: `Two-factor sign-in is off for ${username}; they can set it up again.` };
    },
    async remove({ form }, by) {
      const username = target(form);
      if (form.get('confirm') !== 'yes') {
        const user = await actions.requireUser(username);
        return { kind: 'confirm-remove', username: user.username, appPasswords: (await actions.listAppPasswords(user.username)).length };
      }
      await actions.removeUser(by, username);
      return { kind: 'done', text: `${username} was removed.` };
    },
    async appPasswords({ form }) {
      const user = await actions.requireUser(target(form));
      return { kind: 'app-passwords', username: user.username, tokens: await actions.listAppPasswords(user.username) };
    },
    async revokeAppPassword({ form }, by) {
      const username = target(form);
      const id = form.get('id') ?? '';
      // Only from the list shown: another user's id under this username is refused like an unknown one.
      if (!(await actions.listAppPasswords(username)).some((token) => token.id === id)) {
        throw new NotFound({ description: 'There is no such app password of that user.' });
      }
      await actions.revokeAppPassword(by, id);
      return { kind: 'app-passwords', username, tokens: await actions.listAppPasswords(username) };
    },
  };

  return Object.entries(handlers).map(([name, handler]) => ({
    path: userAdminPaths[name as keyof typeof userAdminPaths],
    methods: {
      POST: deps.forms.signedIn(async (call): Promise<PageExtras> => {
        const self = call.session.user;
        if (self.role !== 'admin') throw new AccessDenied({ description: 'Only administrators manage users.', detail: `${self.username} is no admin` });
        const by = { username: self.username, address: clientAddress(call.req, deps.trustedProxies) };
        return { userAdmin: await handler(call, by) };
      }),
    },
  }));
}
