import t from 'tap';
import { digestSecret, digestsEqual, generateAccessToken, generateAppPassword, generateClientId, generateClientSecret, generateRefId, isAppPassword } from '../../../src/credentials/secrets.js';

t.test('formats', async (t) => {
  for (let i = 0; i < 200; i++) {
    const app = generateAppPassword();
    t.match(app, /^[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}$/);
    t.ok(isAppPassword(app), 'checksum verifies');
  }
  t.match(generateAccessToken(), /^[0-9a-f]{48}$/);
  t.match(generateClientId(), /^c[0-9a-z]{15}$/);
  t.match(generateClientSecret(), /^[A-Za-z0-9]{32}$/);
  t.match(generateRefId(), /^sess[0-9a-z]{8}$/);
});

t.test('app password checksum rejects near misses', async (t) => {
  const app = generateAppPassword();
  const last = app[26] === 'a' ? 'b' : 'a';
  t.notOk(isAppPassword(app.slice(0, 26) + last), 'wrong checksum');
  t.notOk(isAppPassword(app.replaceAll('-', '_')), 'wrong separators');
  t.notOk(isAppPassword(`${app}x`), 'too long');
  t.notOk(isAppPassword('my-own-pass-word'), 'an ordinary password');
});

t.test('digests', async (t) => {
  t.equal(digestSecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'SHA-256 hex');
  t.ok(digestsEqual(digestSecret('a'), digestSecret('a')));
  t.notOk(digestsEqual(digestSecret('a'), digestSecret('b')));
  t.notOk(digestsEqual(digestSecret('a'), 'abcd'), 'different lengths are unequal, not an exception');
});
