/**
 * The secret that encrypts ID token signing keys in the store (signing-keys.ts): 32 random bytes
 * in a file of its own, created 0600 on first use, read by the gateway and by `keys rotate`.
 * Kept apart from the store so that a copy of the store (a backup, a database dump) holds no
 * usable signing key.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';

export function keySecretPath(config: Config): string {
  return config.oidc.keySecretFile ?? join(dirname(config.store.path), 'oidc-key-secret');
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
