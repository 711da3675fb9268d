/**
 * First start: a store without users gets an admin account, so a fresh install can be used at
 * once. Its password comes from the configuration (or PHOTOGATE_ADMIN_PASSWORD); otherwise one is
 * generated and returned to be shown once.
 */
import { type Clock, nowSeconds } from '../clock.js';
import type { PasswordHasher } from '../credentials/password-hash.js';
import { generateUserPassword } from '../credentials/secrets.js';
import { StoreConflict } from '../errors.js';
import type { Store } from './store.js';

export type AdminBootstrap =
  | { created: false }
  | { created: true; username: string; generatedPassword: string | undefined };

export async function ensureAdmin(
  store: Store,
  hasher: PasswordHasher,
  clock: Clock,
  admin: { username: string; password?: string | undefined },
): Promise<AdminBootstrap> {
  if ((await store.listUsers()).length > 0) return { created: false };
  const generatedPassword = admin.password === undefined ? generateUserPassword() : undefined;
  const now = nowSeconds(clock);
  try {
    await store.addUser({
      username: admin.username,
      role: 'admin',
      webdav: true,
      passwordHash: await hasher.hash(admin.password ?? (generatedPassword as string)),
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    // Another process (a second gateway, the CLI) created the first user meanwhile.
    if (error instanceof StoreConflict) return { created: false };
    throw error;
  }
  return { created: true, username: admin.username, generatedPassword };
}
