/**
 * Sealing two-factor secrets at rest (PRODUCT.md: no secret in clear at rest).
 *
 * A TOTP secret cannot be stored as a digest like passwords and tokens: every code is computed
 * from it (RFC 6238 §4). So it is encrypted with AES-256-GCM (node:crypto) under a 256-bit key
 * that lives in its own file, never in the store: `<store path>.key` or `twoFactor.keyFile`
 * (key-file.ts), created 0600 with a fresh random key when first needed. A copy of the store alone (a backup, a database dump, a leaked
 * file) then reveals no secret; the key file is backed up apart from it. The username is the
 * additional authenticated data, so a sealed secret copied onto another user does not open.
 * Losing the key file makes every two-factor setup unusable: people then sign in with their
 * recovery code, or an admin turns it off (`photogate users mod NAME --no-2fa`); app passwords
 * keep working.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, base64url. Pinned by test/unit/two-factor/secret-box.test.ts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

export interface SecretBox {
  seal(plaintext: string, boundTo: string): Promise<string>;
  /** Throws when the sealed value was not made by this key for `boundTo`. */
  open(sealed: string, boundTo: string): Promise<string>;
}

async function loadKey(path: string): Promise<Buffer> {
  try {
    return parseKey(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseKey(await readFile(path, 'utf8'), path);
}

function parseKey(text: string, path: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} is not a photogate key file (64 hex digits)`);
  return Buffer.from(hex, 'hex');
}

export function createSecretBox(keyFile: string): SecretBox {
  let key: Promise<Buffer> | undefined;
  const getKey = () => {
    key ??= loadKey(keyFile).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
  return {
    async seal(plaintext, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await getKey(), iv);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    async open(sealed, boundTo) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', await getKey(), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
