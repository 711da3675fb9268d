/**
 * What another process changed, found by comparing the state we had with the file we reloaded:
 * a token revoked by the CLI must stop working in the gateway within one poll, so every token
 * that disappeared or changed is announced as removed, and every user or client that
 * disappeared or changed in a way caches depend on is announced as changed.
 * A refresh token marked used is not a change here, as it is not for the writer (markTokenUsed):
 * it stays valid until its family is revoked. Grants are never cached and are not compared.
 */
import type { TokenRecord } from './records.js';
import type { StoreChange } from './store.js';
import { userChanged } from './store-operations.js';
import type { StoreState } from './store-state.js';

export function diffStates(old: StoreState, next: StoreState): StoreChange[] {
  const changes: StoreChange[] = [];
  for (const user of old.users) {
    const now = next.findUser(user.username);
    if (!now || userChanged(user, now)) changes.push({ type: 'user-changed', username: user.username });
  }
  for (const client of old.clients) {
    const now = next.findClient(client.clientId);
    if (!now || !sameRecord(client, now)) changes.push({ type: 'client-changed', clientId: client.clientId });
  }
  for (const token of old.tokens) {
    const now = next.findToken(token.id);
    if (!now || !sameRecord(withoutUse(token), withoutUse(now))) changes.push({ type: 'token-removed', token });
  }
  return changes;
}

function withoutUse(token: TokenRecord): object {
  return { ...token, usedAt: null };
}

/** Records are flat objects of primitives and arrays of primitives (a client's redirect URIs). */
function sameRecord(a: object, b: object): boolean {
  const aEntries = Object.entries(a);
  return (
    aEntries.length === Object.keys(b).length &&
    aEntries.every(([key, value]) => sameValue(value, (b as Record<string, unknown>)[key]))
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}
