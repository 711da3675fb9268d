/**
 * The CLI's side of the user admin actions (account/user-admin-actions.ts): the same code the
 * Users section of /account runs, so the page and `photogate users …` agree (pinned by
 * test/integration/account-admin-cli-parity.test.ts). The CLI acts as nobody's account (it may
 * act on any, never "themself"), its audit events say `address: cli` and the system user.
 */
import { type Actor, createUserAdminActions, type UserAdminActions } from '../account/user-admin-actions.js';
import { createPasswordHasher } from '../credentials/password-hash.js';
import type { Store } from '../store/store.js';
import type { SubcommandContext } from './command-group.js';

export const cliActor: Actor = { username: null, address: 'cli' };

export function userAdminFor(ctx: SubcommandContext, store: Store): UserAdminActions {
  return createUserAdminActions({ store, clock: ctx.clock, hasher: createPasswordHasher(), audit: { record: (event) => ctx.audit(event) } });
}
