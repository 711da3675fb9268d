/**
 * The signing key lifecycle on a real file store, in both write modes, reopened from disk: made
 * on first use, stored only encrypted, rotated (the old key published until its tokens expire,
 * then dropped at the next rotation), rotated again when the configured algorithm changes; a
 * wrong secret cannot use the stored keys. And the secret file: 0600, one secret however many
 * processes create it at once.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import t from 'tap';
import { readOrCreateKeySecret } from '../../../src/oidc/key-secret.js';
import { createSigningKeys, type SigningAlg } from '../../../src/oidc/signing-keys.js';
import { openFileStore } from '../../../src/store/file-store.js';
import { manualClock } from '../../helpers/manual-clock.js';
import { readOnDisk, storeModes } from '../../fixtures/store/store-modes.js';

for (const mode of storeModes) {
  t.test(`${mode.name} mode: made once, stored encrypted, rotated, dropped`, async (t) => {
    const dir = t.testdir();
    const path = join(dir, 'store.json');
    const clock = manualClock();
    const store = await openFileStore({ path, clock, watch: false, ...mode.options });
    t.teardown(() => store.close());
    const secret = await readOrCreateKeySecret(join(dir, 'oidc-key-secret'));
    const keysOf = (alg: SigningAlg, bytes = secret) =>
      createSigningKeys({ store, clock, alg, secret: async () => bytes, idTokenTtlSeconds: 3600 });
    const keys = keysOf('RS256');

    const [a, b] = await Promise.all([keys.current(), keys.current()]);
    t.equal(a.kid, b.kid, 'requests at once share one new key');
    t.equal((await store.listSigningKeys()).length, 1);
    const [record] = await store.listSigningKeys();
    t.match(record?.privateJwe, /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWE with direct encryption (empty encrypted key)');
    t.notMatch(JSON.stringify(record), /"d":|"p":|"q":/, 'no private key material in clear');

    const jws = await new CompactSign(new TextEncoder().encode('x')).setProtectedHeader({ alg: 'RS256', kid: a.kid }).sign(a.key);
    const published = (await keys.jwks()).keys[0] as JWK;
    t.ok(await compactVerify(jws, await importJWK(published, 'RS256')), 'the published key verifies what the private key signs');

    clock.advance(1000_000);
    const second = await keys.rotate();
    const now = Math.floor(clock.nowMs() / 1000);
    t.equal((await keys.current()).kid, second.kid, 'the new key signs');
    t.same((await keys.jwks()).keys.map((k) => k.kid).sort(), [a.kid, second.kid].sort(), 'both are published');
    t.equal((await store.listSigningKeys()).find((k) => k.kid === a.kid)?.publishedUntil, now + 3600 + 60);

    clock.advance((3600 + 61) * 1000);
    t.same((await keys.jwks()).keys.map((k) => k.kid), [second.kid], 'past its last token, the old key is no longer published');
    const third = await keys.rotate();
    t.same((await store.listSigningKeys()).map((k) => k.kid).sort(), [second.kid, third.kid].sort(), 'and the next rotation removes it');

    const es = await keysOf('ES256').current();
    t.equal(es.alg, 'ES256', 'a change of oidc.signingAlg rotates to a key of that kind');
    const reopened = await readOnDisk(t, path);
    t.same((await reopened.listSigningKeys()).map((k) => k.kid).sort(), (await store.listSigningKeys()).map((k) => k.kid).sort(), 'all of it is on disk');

    const wrong = keysOf('ES256', new Uint8Array(32));
    await t.rejects(wrong.current(), 'another secret cannot decrypt the stored keys');
  });
}

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
