/**
 * Looking up what a CLI argument names, or failing with exit 1 and one line. An argument that
 * does not look like a public id is not echoed: people paste secrets into the wrong place.
 */
import { digestSecret } from '../credentials/secrets.js';
import { StoreNotFound } from '../errors.js';
import type { ClientRecord, TokenRecord, UserRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export async function requireUser(store: Store, username: string): Promise<UserRecord> {
  const user = await store.findUser(username);
  if (user === undefined) throw new StoreNotFound(`user "${username}" not found`);
  return user;
}

/** By public reference id, or by the token itself (so a leaked token can be revoked as is). */
export async function requireToken(store: Store, idOrToken: string): Promise<TokenRecord> {
  const token = (await store.findToken(idOrToken)) ?? (await store.findTokenByDigest(digestSecret(idOrToken)));
  if (token !== undefined) return token;
  throw new StoreNotFound(
    /^sess[a-z0-9]{8}$/.test(idOrToken) ? `token "${idOrToken}" not found` : 'no token or app password with that id',
  );
}

export async function requireClient(store: Store, clientId: string): Promise<ClientRecord> {
  const client = await store.findClient(clientId);
  if (client !== undefined) return client;
  throw new StoreNotFound(
    /^c[0-9a-z]{15}$/.test(clientId) ? `client "${clientId}" not found` : 'no client with that id',
  );
}
