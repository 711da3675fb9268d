/**
 * Which checks the usage recorder hears of (src/credentials/record-credential-uses.ts): a
 * credential admitted, at once or after a promise, with the address the check was given; never a
 * refused one or a user's own password (no record to note); a cached answer stays synchronous.
 */
import t from 'tap';
import { parseScopeGrant } from '../../../src/access/scope-grant.js';
import type { AuthenticateFrom } from '../../../src/credentials/limit-password-checks.js';
import type { Principal } from '../../../src/credentials/principal.js';
import { recordCredentialUses } from '../../../src/credentials/record-credential-uses.js';
import type { TokenUsage } from '../../../src/credentials/token-usage.js';
import { InvalidToken } from '../../../src/errors.js';

const principal = (credentialId: string | null): Principal => ({
  kind: credentialId === null ? 'user_password' : 'app_password', username: 'alice', role: 'user', webdav: false, clientId: null,
  credentialId, scope: '*', grant: parseScopeGrant('*'), expiresAt: null, twoFactor: false, amr: [],
});
const refused = new InvalidToken({ description: 'no' });

const cases: { name: string; answer: () => ReturnType<AuthenticateFrom>; recorded: string[]; sync: boolean }[] = [
  { name: 'cached: recorded, no promise', answer: () => principal('sess1'), recorded: ['sess1@192.0.2.1'], sync: true },
  { name: 'verified: recorded once the promise resolves', answer: () => Promise.resolve(principal('sess2')), recorded: ['sess2@192.0.2.1'], sync: false },
  { name: 'a user password: nothing to record', answer: () => principal(null), recorded: [], sync: true },
  { name: 'refused at once: not recorded', answer: () => { throw refused; }, recorded: [], sync: true },
  { name: 'refused later: not recorded', answer: () => Promise.reject(refused), recorded: [], sync: false },
];

for (const { name, answer, recorded, sync } of cases) {
  t.test(name, async (t) => {
    const seen: string[] = [];
    const usage = { record: (id: string, address: string) => seen.push(`${id}@${address}`) } as unknown as TokenUsage;
    const authenticate = recordCredentialUses(() => answer(), usage);
    let result: ReturnType<AuthenticateFrom> | undefined;
    try {
      result = authenticate({ type: 'token', token: 'x' }, '192.0.2.1');
    } catch (error) {
      t.equal(error, refused);
    }
    t.equal(result instanceof Promise, !sync && result !== undefined, sync ? 'no promise' : 'a promise');
    if (result instanceof Promise) await result.catch((error: unknown) => t.equal(error, refused));
    t.same(seen, recorded);
  });
}
