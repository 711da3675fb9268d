/**
 * Two-factor secrets at rest (two-factor/secret-box.ts): sealed with a key from a 0600 file kept
 * apart from the store, bound to the username, refused when tampered with or under another key.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createSecretBox } from '../../../src/two-factor/secret-box.js';
import { matchTotpStep, newTotpSecret, totpCode } from '../../../src/two-factor/totp.js';

t.test('seal and open; bound to the user; tampering and other keys refused', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'store.json.key');
  const box = createSecretBox(keyFile);
  const secret = newTotpSecret();
  const sealed = await box.seal(secret, 'alice');
  t.notMatch(sealed, secret);
  t.match(sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  t.equal(await box.open(sealed, 'alice'), secret);
  t.not(await box.seal(secret, 'alice'), sealed, 'a fresh IV each time');
  t.equal((await stat(keyFile)).mode & 0o777, 0o600);
  t.match(await readFile(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);

  const cases = [
    { name: 'another user', open: () => box.open(sealed, 'bob') },
    { name: 'tampered', open: () => box.open(sealed.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`), 'alice') },
    { name: 'not sealed', open: () => box.open(secret, 'alice') },
    { name: 'another key', open: () => createSecretBox(join(dir, 'other.key')).open(sealed, 'alice') },
  ];
  for (const c of cases) await t.rejects(c.open(), c.name);
  t.equal(await createSecretBox(keyFile).open(sealed, 'alice'), secret, 'a second process reads the same key');
});

t.test('a key file that is not one is an error, never replaced', async (t) => {
  const keyFile = join(t.testdir(), 'bad.key');
  await writeFile(keyFile, 'not a key');
  await t.rejects(createSecretBox(keyFile).seal('x', 'alice'), /not a photogate key file/);
  t.equal(await readFile(keyFile, 'utf8'), 'not a key');
});

t.test('TOTP steps: the current code and its neighbours match, others not', async (t) => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 0, 1, 12, 0, 15);
  const step = Math.floor(now / 30_000);
  const cases = [
    { name: 'now', code: totpCode(secret, now), expected: step },
    { name: 'one step earlier (clock drift)', code: totpCode(secret, now - 30_000), expected: step - 1 },
    { name: 'one step later', code: totpCode(secret, now + 30_000), expected: step + 1 },
    { name: 'two steps earlier', code: totpCode(secret, now - 60_000), expected: undefined },
    { name: 'not six digits', code: '12345', expected: undefined },
    { name: 'letters', code: 'abcdef', expected: undefined },
  ];
  for (const c of cases) t.equal(matchTotpStep(secret, c.code, now), c.expected, c.name);
});
