/**
 * A disabled user (an admin's switch, `disabled` in records.ts) is, for every credential check,
 * a user that does not exist: passwords, app passwords, tokens, sessions, refresh tokens and
 * forward-auth all ask here (or `isActiveUser`), so the answer is the same 401 as for a wrong or
 * unknown credential and says nothing about the account. Their records stay, so enabling the
 * user again brings their app passwords back. Pinned by test/integration/account-admin.test.ts.
 */
import type { UserRecord } from './records.js';
import type { Store } from './store.js';

export function isActiveUser(user: UserRecord | undefined): user is UserRecord {
  return user !== undefined && user.disabled !== true;
}

/** The user, unless missing or disabled. */
export async function findActiveUser(store: Pick<Store, 'findUser'>, username: string): Promise<UserRecord | undefined> {
  const user = await store.findUser(username);
  return isActiveUser(user) ? user : undefined;
}
