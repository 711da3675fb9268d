import t from 'tap';
import type { Principal } from '../../../src/credentials/principal.js';
import { createCredentialCache } from '../../../src/credentials/credential-cache.js';
import { manualClock } from '../../helpers/manual-clock.js';

const principal = { kind: 'access_token', username: 'alice', expiresAt: null } as Principal;

t.test('all-changed empties the cache; while the store is not coherent nothing is kept or answered', async (t) => {
  const cache = createCredentialCache({ maxEntries: 10, ttlSeconds: 60, clock: manualClock() });
  const put = (key: string) => cache.set(key, { principal, dependsOn: [`user:alice`] }, cache.generation);
  put('a');
  put('b');
  t.equal(cache.get('a'), principal);
  cache.evict({ type: 'all-changed', coherent: false });
  t.equal(cache.size, 0, 'emptied');
  put('a');
  t.equal(cache.get('a'), undefined, 'nothing cached while incoherent');
  t.equal(cache.size, 0);
  cache.evict({ type: 'all-changed', coherent: true });
  put('a');
  t.equal(cache.get('a'), principal, 'caching again once coherent');
  cache.evict({ type: 'all-changed', coherent: true });
  t.equal(cache.get('a'), undefined, 'a bulk change elsewhere empties it too');
  put('a');
  cache.evict({ type: 'user-changed', username: 'alice' });
  t.equal(cache.get('a'), undefined, 'the dependency index still works after a reset');
});
