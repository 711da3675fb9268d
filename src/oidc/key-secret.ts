/**
 * The secret that encrypts ID token signing keys in the store (signing-keys.ts): 32 random bytes
 * in a file of its own, created 0600 on first use, read by the gateway and by `keys rotate`.
 * Kept apart from the store so that a copy of the store (a backup, a database dump) holds no
 * usable signing key.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import type { Config } from '../config/schema.js';

/**
 * `oidc.keySecretFile`, or `oidc-key-secret` beside the store file. With the PostgreSQL store
 * there is no "beside": a default next to an unused `store.path` would let each replica make its
 * own secret and fail to open the keys another one made, so the setting is required there and
 * start, check-config and `keys` refuse without it (as for twoFactor.keyFile).
 */
export function keySecretPath(config: Pick<Config, 'store' | 'oidc'>, source = 'configuration'): string {
  if (config.oidc.keySecretFile !== undefined) return config.oidc.keySecretFile;
  if (config.store.url === undefined) return join(dirname(config.store.path), 'oidc-key-secret');
  throw new ConfigError(source, [
    'oidc.keySecretFile: required with store.url (the PostgreSQL store): the file holding the secret that encrypts ' +
      'OpenID Connect signing keys, the same file on every replica (created 0600 when missing)',
  ]);
}

export async function readOrCreateKeySecret(path: string): Promise<Uint8Array> {
  try {
    return decode(path, await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: of two processes starting at
  // once, one links its secret and the other (EEXIST) reads that one, never a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(`${randomBytes(32).toString('base64url')}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  return decode(path, await readFile(path, 'utf8'));
}

function decode(path: string, text: string): Uint8Array {
  const bytes = Buffer.from(text.trim(), 'base64url');
  if (bytes.length !== 32) throw new Error(`${path}: expected 32 bytes in base64url (the OIDC key secret)`);
  return new Uint8Array(bytes);
}
