/**
 * The user admin actions' refusals (account/user-admin-actions.ts), as a table over a real file
 * store: nobody disables or removes themself or the last enabled admin, unknown users are 404,
 * bad input 400; and what a reset and a disable end (sessions, refresh tokens) and keep (app
 * passwords).
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type Actor, createUserAdminActions, type UserAdminActions } from '../../../src/account/user-admin-actions.js';
import type { AuditEvent } from '../../../src/audit/audit.js';
import { systemClock } from '../../../src/clock.js';
import { InvalidRequest, NotFound } from '../../../src/errors.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { Store } from '../../../src/store/store.js';
import { makeToken, makeUser } from '../../fixtures/store/records.js';
import { testHasher } from '../../helpers/test-gateway.js';

const root: Actor = { username: 'root', address: '192.0.2.1' };
const cli: Actor = { username: null, address: 'cli' };

async function open(t: Test) {
  const store = await openFileStore({ path: join(t.testdir(), 'store.json'), clock: systemClock, watch: false });
  t.teardown(() => store.close());
  const events: AuditEvent[] = [];
  const actions = createUserAdminActions({ store, clock: systemClock, hasher: testHasher, audit: { record: (e) => events.push(e) } });
  await store.addUser(makeUser('root', { role: 'admin' }));
  await store.addUser(makeUser('other', { role: 'admin' }));
  await store.addUser(makeUser('alice'));
  return { store, actions, events };
}

type Setup = (store: Store) => Promise<unknown>;
const refusals: { name: string; setUp?: Setup; act: (a: UserAdminActions) => Promise<unknown>; error: typeof InvalidRequest | typeof NotFound }[] = [
  { name: 'disable themself', act: (a) => a.setDisabled(root, 'root', true), error: InvalidRequest },
  { name: 'remove themself', act: (a) => a.removeUser(root, 'ROOT'), error: InvalidRequest },
  { name: 'disable the last enabled admin (the other is disabled)', setUp: (s) => s.updateUser('root', { disabled: true }, 1), act: (a) => a.setDisabled(cli, 'other', true), error: InvalidRequest },
  { name: 'remove the last admin (the other is a user)', setUp: (s) => s.updateUser('root', { role: 'user' }, 1), act: (a) => a.removeUser(cli, 'other'), error: InvalidRequest },
  { name: 'an unknown user', act: (a) => a.setWebdav(root, 'nobody', true), error: NotFound },
  { name: 'add an existing user', act: (a) => a.addUser(root, { username: 'Alice', role: 'user', webdav: false }), error: InvalidRequest },
  { name: 'add a bad username', act: (a) => a.addUser(root, { username: '-x', role: 'user', webdav: false }), error: InvalidRequest },
  { name: 'add with a short password', act: (a) => a.addUser(root, { username: 'bob', role: 'user', webdav: false, password: 'short' }), error: InvalidRequest },
  { name: 'revoke a session as if it were an app password', setUp: (s) => s.addToken(makeToken('s1', { kind: 'session', username: 'alice' })), act: (a) => a.revokeAppPassword(root, 's1'), error: NotFound },
];

for (const { name, setUp, act, error } of refusals) {
  t.test(`refused: ${name}`, async (t) => {
    const { store, actions, events } = await open(t);
    await setUp?.(store);
    const before = JSON.stringify([await store.listUsers(), await store.listTokens()]);
    await t.rejects(act(actions), error);
    t.equal(JSON.stringify([await store.listUsers(), await store.listTokens()]), before, 'nothing changed');
    t.same(events, [], 'no audit event');
  });
}

t.test('a disabled admin does not count: disabling the other one is refused, a disabled one may be removed', async (t) => {
  const { actions } = await open(t);
  await actions.setDisabled(root, 'other', true);
  await t.rejects(actions.setDisabled(cli, 'root', true), InvalidRequest);
  await actions.removeUser(root, 'other');
  t.same((await actions.listUsers()).map((u) => u.username), ['alice', 'root']);
});

t.test('reset and disable end sessions and refresh tokens and keep app passwords', async (t) => {
  const { store, actions, events } = await open(t);
  const kinds = ['session', 'refresh_token', 'app_password', 'access_token'] as const;
  const addAll = (prefix: string) => Promise.all(kinds.map((kind) => store.addToken(makeToken(`${prefix}-${kind}`, { kind, username: 'alice'}))));
  const left = async () => (await store.listTokens()).map((token) => token.id).sort();
  await addAll('a');
  const { generatedPassword } = await actions.resetPassword(root, 'alice');
  t.ok(await testHasher.verify((await store.findUser('alice'))?.passwordHash ?? '', generatedPassword ?? ''), 'the generated password is the one stored');
  t.same(await left(), ['a-access_token', 'a-app_password']);
  t.match(events.at(-1), { event: 'password_changed', action: 'reset', reason: '2 sessions ended', actor: 'admin:root', address: '192.0.2.1', username: 'alice' });
  await addAll('b');
  await actions.setDisabled(cli, 'alice', true);
  t.same(await left(), ['a-access_token', 'a-app_password', 'b-access_token', 'b-app_password']);
  t.notOk('actor' in (events.at(-1) ?? {}), 'the CLI names no admin (its audit adds the system user)');
  t.same((await actions.listUsers()).find((u) => u.username === 'alice'), { username: 'alice', role: 'user', webdav: false, twoFactor: false, disabled: true, createdAt: 1000, appPasswords: 2 });
});
