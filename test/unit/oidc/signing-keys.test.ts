/**
 * The secret that encrypts signing keys: a 0600 file, one secret however many processes create
 * it at once. The key lifecycle itself (made once, stored encrypted, rotated, dropped, another
 * secret refused) is a store contract case (test/unit/store/store-contract.ts), so it runs on
 * the file store in both write modes and on PostgreSQL.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { readOrCreateKeySecret } from '../../../src/oidc/key-secret.js';

t.test('the key secret file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'sub', 'oidc-key-secret');
  const secrets = await Promise.all(Array.from({ length: 8 }, () => readOrCreateKeySecret(path)));
  t.ok(secrets.every((s) => Buffer.from(s).equals(Buffer.from(secrets[0] as Uint8Array))), 'created at once by many: one secret');
  t.equal(secrets[0]?.length, 32);
  t.equal((await stat(path)).mode & 0o777, 0o600, 'readable by its owner only');
  const again = await readOrCreateKeySecret(path);
  t.ok(Buffer.from(again).equals(Buffer.from(secrets[0] as Uint8Array)), 'read back unchanged');
});
