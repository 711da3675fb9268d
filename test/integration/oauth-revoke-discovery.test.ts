/**
 * RFC 7009 revocation (unknown tokens are a success; a client's tokens only by that client;
 * tokens without a client by possession) and RFC 8414 discovery advertising what works.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const basicClient = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function revoke(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/v1/oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

t.test('revocation', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('admin', 'admin-password', { role: 'admin' });
  const a = await gw.addClient({ scope: 'photos' });
  const b = await gw.addClient({ scope: 'photos' });
  const issue = async () => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicClient(a.clientId, a.secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return String(((await res.json()) as { access_token: string }).access_token);
  };
  const works = async (token: string) => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

  const token = await issue();
  t.ok(await works(token));
  t.equal((await revoke(gw.url, { token })).status, 401, 'a client token needs its client to revoke it');
  t.equal((await revoke(gw.url, { token }, { authorization: basicClient(b.clientId, b.secret) })).status, 400, 'another client may not');
  t.ok(await works(token), 'still valid after refused attempts');
  const ok = await revoke(gw.url, { token, token_type_hint: 'access_token' }, { authorization: basicClient(a.clientId, a.secret) });
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('cache-control'), 'no-store');
  t.notOk(await works(token), 'revoked at once, although it was cached');
  t.equal((await revoke(gw.url, { token }, { authorization: basicClient(a.clientId, a.secret) })).status, 200, 'revoking twice is fine');
  t.equal((await revoke(gw.url, { token: 'no-such-token' })).status, 200, 'unknown tokens: 200 (§2.2)');
  t.equal((await revoke(gw.url, { token: 'x' }, { authorization: basicClient(a.clientId, 'wrong') })).status, 401, 'bad client credentials: 401');
  t.equal((await revoke(gw.url, {})).status, 400, 'token is required');

  const app = await gw.addAppPassword('admin', 'webdav');
  t.ok(await works(app.secret) === false, 'sanity: webdav app password cannot read photos');
  const dav = async () => (await fetch(`${gw.url}/originals/x`, { headers: { authorization: `Bearer ${app.secret}` } })).status;
  t.equal(await dav(), 200);
  t.equal((await revoke(gw.url, { token: app.secret })).status, 200, 'an app password is revoked by presenting it');
  t.equal(await dav(), 401);
});

t.test('discovery documents advertise exactly what works', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url, config: { publicUrl: 'https://photos.example.org/' } });
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const res = await fetch(`${gw.url}${path}`);
    t.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    t.equal(doc.issuer, 'https://photos.example.org', 'issuer without trailing slash');
    t.equal(doc.token_endpoint, 'https://photos.example.org/api/v1/oauth/token');
    t.equal(doc.revocation_endpoint, 'https://photos.example.org/api/v1/oauth/revoke');
    t.equal(doc.authorization_endpoint, 'https://photos.example.org/api/v1/oauth/authorize');
    t.equal(doc.device_authorization_endpoint, 'https://photos.example.org/api/v1/oauth/device');
    t.same(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
    t.same(doc.code_challenge_methods_supported, ['S256'], 'plain is never offered');
    t.same(doc.response_types_supported, ['code']);
    t.equal('userinfo_endpoint' in doc, path.includes('openid'), 'userinfo only in the OpenID document');
    t.ok((doc.scopes_supported as string[]).includes('webdav'));
    t.same(Object.keys(doc), Object.keys(doc), 'stable');
  }
  const a = await (await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).text();
  const b = await (await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).text();
  t.equal(a, b, 'byte-identical across requests');
  // Advertised exactly: every advertised grant is accepted, and a few well-known others are not.
  const doc = JSON.parse(a) as { grant_types_supported: string[] };
  const known = ['authorization_code', 'client_credentials', 'refresh_token', 'password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange'];
  for (const grant of new Set([...known, ...doc.grant_types_supported])) {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=${encodeURIComponent(grant)}` });
    const error = ((await res.json()) as { error: string }).error;
    t.equal(error === 'unsupported_grant_type', !doc.grant_types_supported.includes(grant), `${grant}: advertised if and only if accepted`);
  }
});
