/**
 * Password checks cost the same whoever asks and run once however many ask (issue 5 point 4):
 * concurrent identical Basic requests share one argon2 verification (HAZARDS H15), an unknown
 * user costs one verification like a wrong password (against a dummy hash), and both get the
 * same answer. Counted with a hasher that records its calls, so nothing here depends on timing.
 */
import t from 'tap';
import type { PasswordHasher } from '../../src/credentials/password-hash.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { basic, startTestGateway, testHasher } from '../helpers/test-gateway.js';

function countingHasher(): PasswordHasher & { verifications: number } {
  const counter = {
    verifications: 0,
    hash: (password: string) => testHasher.hash(password),
    verify: async (hash: string, password: string) => {
      counter.verifications++;
      return testHasher.verify(hash, password);
    },
  };
  return counter;
}

t.test('concurrent identical checks run argon2 once', async (t) => {
  const upstream = await startEchoUpstream(t);
  const hasher = countingHasher();
  const gw = await startTestGateway(t, { upstream: upstream.url, hasher });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const requests = Array.from({ length: 32 }, () =>
    fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } }).then((r) => r.status),
  );
  t.same(new Set(await Promise.all(requests)), new Set([200]));
  t.equal(hasher.verifications, 1, '32 simultaneous first requests, one verification');
  await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic('alice', 'alice-password') } });
  t.equal(hasher.verifications, 1, 'and none for later ones (cached)');
});

t.test('unknown users and wrong passwords: same work, same answer', async (t) => {
  const upstream = await startEchoUpstream(t);
  const hasher = countingHasher();
  const gw = await startTestGateway(t, { upstream: upstream.url, hasher });
  await gw.addUser('alice', 'alice-password', { role: 'admin' });
  const attempt = async (username: string) => {
    const before = hasher.verifications;
    const res = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: basic(username, 'not-the-password') } });
    return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate'), verifications: hasher.verifications - before };
  };
  const wrongPassword = await attempt('alice');
  const unknownUser = await attempt('nobody');
  t.same(unknownUser, wrongPassword, 'identical status, body, challenge and number of verifications');
  t.equal(wrongPassword.verifications, 1);
});
