/**
 * What the signed-in /account page shows, loaded in one place for every form that answers with
 * the page (account-forms.ts): each section of the page adds its data here.
 */
import type { BrowserSession } from '../oidc/browser-session.js';
import type { TokenRecord, UserRecord } from '../store/records.js';
import type { AccountActions } from './account-actions.js';
import type { AccessList, DeviceActions } from './device-actions.js';
import { type TwoFactorState, twoFactorState } from './page/two-factor-section.js';
import type { UserAdminActions, UserSummary } from './user-admin-actions.js';

export interface AccountPageData {
  user: UserRecord;
  appPasswords: readonly TokenRecord[];
  /** The configured scopes' resources, offered as checkboxes. */
  resources: readonly string[];
  /** Signed-in browsers, connected apps and paired devices (page/devices-section.ts). */
  access?: AccessList;
  /** Read from the store at each page (an action may just have changed it). */
  twoFactor?: TwoFactorState;
  /** Every account, for administrators only (the Users section); absent for everyone else. */
  users?: readonly UserSummary[];
}

export type LoadAccountPage = (session: BrowserSession) => Promise<AccountPageData>;

export function createLoadAccountPage(deps: { actions: AccountActions; resources: ReadonlySet<string>; devices?: DeviceActions; userAdmin?: UserAdminActions }): LoadAccountPage {
  const resources = [...deps.resources].sort();
  return async (session) => {
    const username = session.user.username;
    const access = await deps.devices?.list(username, session.token.id);
    const users = session.user.role === 'admin' ? await deps.userAdmin?.listUsers() : undefined;
    return {
      user: session.user, resources, appPasswords: await deps.actions.listAppPasswords(username), ...(access && { access }), ...(users && { users }),
      twoFactor: twoFactorState(await deps.actions.requireUser(username)),
    };
  };
}
