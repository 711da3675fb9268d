/**
 * What the devices list counts, as a table of stored tokens: only the person's own, unexpired
 * ones; sessions of both kinds; code families as one app per client; device families one each;
 * a family whose refresh tokens were all rotated away and whose access tokens expired is over;
 * client-credentials tokens and app passwords are not listed here.
 */
import { join } from 'node:path';
import t from 'tap';
import { createDeviceActions } from '../../../src/account/device-actions.js';
import { noAudit } from '../../../src/audit/audit.js';
import { digestSecret } from '../../../src/credentials/secrets.js';
import { createRememberedConsent } from '../../../src/oidc/remembered-consent.js';
import { openFileStore } from '../../../src/store/file-store.js';
import type { TokenRecord } from '../../../src/store/records.js';
import { manualClock } from '../../helpers/manual-clock.js';

const clock = manualClock(Date.UTC(2026, 0, 1));
const now = Math.floor(clock.nowMs() / 1000);
let serial = 0;

function token(o: Partial<TokenRecord>): TokenRecord {
  serial++;
  return {
    id: `sess${String(serial).padStart(8, '0')}`, digest: digestSecret(`secret ${serial}`), kind: 'access_token', name: 'x', username: 'alice', clientId: null,
    scope: 'photos', grantType: 'cli', createdAt: now - 100, expiresAt: now + 100, familyId: null, usedAt: null, ...o,
  };
}

const cases: { name: string; tokens: Partial<TokenRecord>[]; expected: { browsers: number; apps: string[]; devices: number } }[] = [
  { name: 'nothing', tokens: [], expected: { browsers: 0, apps: [], devices: 0 } },
  {
    name: 'a browser session and a web UI session (one via an app password)',
    tokens: [{ kind: 'session', grantType: 'browser', scope: '' }, { kind: 'session', grantType: 'password' }, { kind: 'session', grantType: 'app_password', familyId: 'sessapppass1' }],
    expected: { browsers: 3, apps: [], devices: 0 },
  },
  { name: "someone else's session", tokens: [{ kind: 'session', grantType: 'browser', username: 'bob' }], expected: { browsers: 0, apps: [], devices: 0 } },
  { name: 'an expired session', tokens: [{ kind: 'session', grantType: 'browser', expiresAt: now }], expected: { browsers: 0, apps: [], devices: 0 } },
  {
    name: 'two code families of one client, refreshed: one app',
    tokens: [
      { kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa1', grantType: 'authorization_code', usedAt: now - 50 },
      { kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa1', grantType: 'refresh_token' },
      { kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa2', grantType: 'authorization_code' },
    ],
    expected: { browsers: 0, apps: ['app1'], devices: 0 },
  },
  {
    name: 'code families of two clients: two apps',
    tokens: [{ kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa1' }, { kind: 'access_token', clientId: 'app2', familyId: 'codeaaaaaaa2' }],
    expected: { browsers: 0, apps: ['app1', 'app2'], devices: 0 },
  },
  {
    name: 'a family whose refresh token was rotated away and whose access token expired is over',
    tokens: [{ kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa1', usedAt: now - 50 }, { kind: 'access_token', clientId: 'app1', familyId: 'codeaaaaaaa1', expiresAt: now - 1 }],
    expected: { browsers: 0, apps: [], devices: 0 },
  },
  {
    name: 'two device authorizations of one client, refreshed: two devices',
    tokens: [
      { kind: 'refresh_token', clientId: 'tv', familyId: 'devcaaaaaaa1', grantType: 'refresh_token' },
      { kind: 'access_token', clientId: 'tv', familyId: 'devcaaaaaaa1', grantType: 'refresh_token' },
      { kind: 'refresh_token', clientId: 'tv', familyId: 'devcaaaaaaa2', grantType: 'urn:ietf:params:oauth:grant-type:device_code' },
    ],
    expected: { browsers: 0, apps: [], devices: 2 },
  },
  {
    name: 'client credentials of a client bound to the user, app passwords: neither',
    tokens: [{ kind: 'access_token', clientId: 'svc', grantType: 'client_credentials' }, { kind: 'app_password', grantType: 'cli' }],
    expected: { browsers: 0, apps: [], devices: 0 },
  },
  {
    name: "someone else's app and device",
    tokens: [{ kind: 'refresh_token', clientId: 'app1', familyId: 'codeaaaaaaa1', username: 'bob' }, { kind: 'refresh_token', clientId: 'tv', familyId: 'devcaaaaaaa1', username: 'bob' }],
    expected: { browsers: 0, apps: [], devices: 0 },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const store = await openFileStore({ path: join(t.testdir(), 'store.json'), clock, watch: false });
    t.teardown(() => store.close());
    for (const o of c.tokens) await store.addToken(token(o));
    const actions = createDeviceActions({ store, clock, consent: createRememberedConsent({ store, clock, ttlSeconds: 60 }), audit: noAudit });
    const list = await actions.list('alice', null);
    t.equal(list.browsers.length, c.expected.browsers, 'browsers');
    t.same(list.apps.map((app) => app.clientId).sort(), c.expected.apps, 'apps');
    t.equal(list.devices.length, c.expected.devices, 'devices');
  });
}

t.test('the web UI session opened with an app password says so; the current one is marked and first', async (t) => {
  const store = await openFileStore({ path: join(t.testdir(), 'store.json'), clock, watch: false });
  t.teardown(() => store.close());
  const browser = token({ kind: 'session', grantType: 'browser', scope: '', createdAt: now - 200 });
  const webUi = token({ kind: 'session', grantType: 'app_password', familyId: 'sessapppass1' });
  for (const record of [browser, webUi]) await store.addToken(record);
  const actions = createDeviceActions({ store, clock, consent: createRememberedConsent({ store, clock, ttlSeconds: 60 }), audit: noAudit });
  const { browsers } = await actions.list('alice', browser.id);
  t.match(browsers, [{ id: browser.id, kind: 'browser', current: true, viaAppPassword: false }, { id: webUi.id, kind: 'photos', current: false, viaAppPassword: true }]);
});
