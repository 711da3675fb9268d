/**
 * `grant_type=password` as the reference server's app-password minting (PRODUCT.md "password
 * grant", reference-photoprism.md §1.3): a user session token plus the user's real password gives
 * a new app password. App passwords cannot mint app passwords; another user's name, a missing or
 * non-session token, and client credentials are refused with RFC 6749 §5.2 codes.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { isAppPassword } from '../../src/credentials/secrets.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { basic, startSession, startTestGateway, type TestGateway } from '../helpers/test-gateway.js';


async function postToken(gw: TestGateway, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'password', ...fields }).toString(),
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

const mint = (username: string, password: string, extra: Record<string, string> = {}) => ({
  username,
  password,
  client_name: 'Phone sync',
  scope: 'WebDAV photos',
  ...extra,
});

t.test('a session and the real password mint an app password', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse', { webdav: true });
  const session = await startSession(gw, 'alice', 'correct horse');

  const never = await postToken(gw, mint('alice', 'correct horse'), { 'x-auth-token': session });
  t.equal(never.res.status, 200);
  t.equal(never.res.headers.get('cache-control'), 'no-store');
  t.ok(isAppPassword(String(never.json.access_token)), 'access_token is an app password');
  t.equal(never.json.token_type, 'Bearer');
  t.equal(never.json.scope, 'photos webdav', 'normalised');
  t.notOk('expires_in' in never.json, 'no expires_in when it never expires');
  t.notOk('refresh_token' in never.json);

  const appPassword = String(never.json.access_token);
  const record = (await gw.store.listTokens()).find((x) => x.kind === 'app_password');
  t.match(record, { name: 'Phone sync', username: 'alice', clientId: null, scope: 'photos webdav', grantType: 'password', expiresAt: null });
  const dav = await fetch(`${gw.url}/originals/`, { method: 'PROPFIND', headers: { authorization: basic('alice', appPassword), depth: '1' } });
  t.equal(dav.status, 200, 'it works for WebDAV with Basic');
  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${appPassword}` } });
  t.equal(photos.status, 200, 'and as a bearer token within its scope');

  const bearer = await postToken(gw, mint('Alice', 'correct horse', { expires_in: '3600' }), { authorization: `Bearer ${session}` });
  t.equal(bearer.res.status, 200, 'the session token may come as Bearer; usernames are case-insensitive');
  t.equal(bearer.json.expires_in, 3600);
  const zero = await postToken(gw, mint('alice', 'correct horse', { expires_in: '0' }), { 'x-auth-token': session });
  t.notOk('expires_in' in zero.json, '0 means never');

  const raw = await readFile(gw.storePath, 'utf8');
  for (const secret of [appPassword, String(bearer.json.access_token), session]) t.notOk(raw.includes(secret), 'not stored in clear');
});

t.test('refusals', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'correct horse');
  await gw.addUser('bob', 'battery staple');
  const session = await startSession(gw, 'alice', 'correct horse');
  const bobSession = await startSession(gw, 'bob', 'battery staple');
  const app = await gw.addAppPassword('alice', '*');
  const userToken = await gw.addAccessToken('*', { username: 'alice' });
  const clientToken = await gw.addAccessToken('*');
  const client = await gw.addClient();
  const appSession = await startSession(gw, 'alice', app.secret);
  const ended = await startSession(gw, 'alice', 'correct horse');
  await fetch(`${gw.url}/api/v1/session`, { method: 'DELETE', headers: { 'x-auth-token': ended } });

  const ok = mint('alice', 'correct horse');
  const cases: { name: string; fields: Record<string, string>; headers: Record<string, string>; status: number; error: string }[] = [
    { name: 'no session token', fields: ok, headers: {}, status: 401, error: 'invalid_client' },
    { name: 'an app password as the session', fields: ok, headers: { 'x-auth-token': app.secret }, status: 401, error: 'invalid_client' },
    { name: 'a user\'s access token as the session', fields: ok, headers: { authorization: `Bearer ${userToken.secret}` }, status: 401, error: 'invalid_client' },
    { name: 'a client token as the session', fields: ok, headers: { authorization: `Bearer ${clientToken.secret}` }, status: 401, error: 'invalid_client' },
    { name: 'Basic user password instead of a session', fields: ok, headers: { authorization: basic('alice', 'correct horse') }, status: 401, error: 'invalid_client' },
    { name: 'an ended session', fields: ok, headers: { 'x-auth-token': ended }, status: 401, error: 'invalid_client' },
    { name: 'an unknown token', fields: ok, headers: { 'x-auth-token': 'f'.repeat(48) }, status: 401, error: 'invalid_client' },
    { name: 'wrong password', fields: mint('alice', 'wrong horse'), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_grant' },
    { name: 'an app password cannot mint app passwords', fields: mint('alice', app.secret), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_grant' },
    { name: 'nor can a session made from one, with an app password', fields: mint('alice', app.secret), headers: { 'x-auth-token': appSession }, status: 400, error: 'invalid_grant' },
    { name: 'another user\'s name and password', fields: mint('bob', 'battery staple'), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_grant' },
    { name: 'own name, another session', fields: ok, headers: { 'x-auth-token': bobSession }, status: 400, error: 'invalid_grant' },
    { name: 'client credentials as well', fields: { ...ok, client_id: client.clientId, client_secret: client.secret }, headers: { 'x-auth-token': session }, status: 400, error: 'unauthorized_client' },
    { name: 'no scope', fields: { username: 'alice', password: 'correct horse', client_name: 'x' }, headers: { 'x-auth-token': session }, status: 400, error: 'invalid_request' },
    { name: 'a malformed scope', fields: mint('alice', 'correct horse', { scope: 'photos <b>' }), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_scope' },
    { name: 'no client_name', fields: { username: 'alice', password: 'correct horse', scope: '*' }, headers: { 'x-auth-token': session }, status: 400, error: 'invalid_request' },
    { name: 'no password', fields: { username: 'alice', client_name: 'x', scope: '*' }, headers: { 'x-auth-token': session }, status: 400, error: 'invalid_request' },
    { name: 'negative expires_in', fields: mint('alice', 'correct horse', { expires_in: '-1' }), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_request' },
    { name: 'expires_in not a number', fields: mint('alice', 'correct horse', { expires_in: '1h' }), headers: { 'x-auth-token': session }, status: 400, error: 'invalid_request' },
  ];
  for (const c of cases) {
    const { res, json } = await postToken(gw, c.fields, c.headers);
    t.equal(res.status, c.status, `${c.name}: status`);
    t.equal(json.error, c.error, `${c.name}: error`);
    t.equal(res.headers.get('cache-control'), 'no-store', `${c.name}: no-store`);
    // A Basic header is read as client authentication, so its 401 challenges Basic (RFC 6749 §5.2).
    const scheme = c.headers.authorization?.startsWith('Basic') ? /^Basic / : /^Bearer realm="photogate"/;
    if (c.status === 401) t.match(res.headers.get('www-authenticate'), scheme, `${c.name}: challenge`);
  }
  t.equal((await gw.store.listTokens()).filter((x) => x.grantType === 'password' && x.kind === 'app_password').length, 0, 'nothing was minted');
});

t.test('wrong passwords at the grant count towards the login limit', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { rateLimits: { addressFailureBurst: 1 } } });
  await gw.addUser('alice', 'correct horse');
  const session = await startSession(gw, 'alice', 'correct horse');
  t.equal((await postToken(gw, mint('alice', 'wrong'), { 'x-auth-token': session })).res.status, 400);
  const limited = await postToken(gw, mint('alice', 'another guess'), { 'x-auth-token': session });
  t.equal(limited.res.status, 429, 'the next unverified password waits');
  t.ok(limited.res.headers.get('retry-after'));
  // The password alice logged in with was verified moments ago (it is cached): someone else's
  // failures never lock out a valid credential (PRODUCT.md "rate limits").
  const valid = await postToken(gw, mint('alice', 'correct horse'), { 'x-auth-token': session });
  t.equal(valid.res.status, 200);
});

t.test('discovery advertises the password grant', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const doc = (await (await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
  t.ok(doc.grant_types_supported.includes('password'));
});
