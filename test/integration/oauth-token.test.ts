/**
 * The token endpoint with client_credentials (RFC 6749 §4.4), client authentication both ways
 * (§2.3.1), errors per §5.2, the client's scope, lifetime and token limit, and the issued token
 * working through the proxy.
 */
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basicClient = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function postToken(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

t.test('client_credentials with client_secret_basic and client_secret_post', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { clientId, secret } = await gw.addClient({ scope: 'metrics photos', tokenTtlSeconds: 600 });

  const viaBasic = await postToken(gw.url, form({ grant_type: 'client_credentials' }), { authorization: basicClient(clientId, secret) });
  t.equal(viaBasic.res.status, 200);
  t.equal(viaBasic.res.headers.get('cache-control'), 'no-store');
  t.equal(viaBasic.json.token_type, 'Bearer');
  t.equal(viaBasic.json.expires_in, 600);
  t.equal(viaBasic.json.scope, 'metrics photos');
  t.match(viaBasic.json.access_token, /^[0-9a-f]{48}$/);

  const viaPost = await postToken(gw.url, form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'metrics' }));
  t.equal(viaPost.res.status, 200);
  t.equal(viaPost.json.scope, 'metrics', 'a narrower scope may be asked for');

  const metrics = await fetch(`${gw.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${viaPost.json.access_token}` } });
  t.equal(metrics.status, 200, 'the token works through the proxy');
  t.equal(upstream.last()?.headers['x-forwarded-client'], clientId);
  const photos = await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${viaPost.json.access_token}` } });
  t.equal(photos.status, 403, 'but only within its scope');

  const raw = await import('node:fs/promises').then((fs) => fs.readFile(gw.storePath, 'utf8'));
  t.notMatch(raw, String(viaBasic.json.access_token), 'tokens are not stored in clear');
  t.notMatch(raw, secret, 'client secrets are not stored in clear');
});

t.test('errors follow RFC 6749 §5.2', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { clientId, secret } = await gw.addClient({ scope: 'metrics' });
  const disabled = await gw.addClient({ enabled: false });
  const cases: { name: string; body: Record<string, string>; headers?: Record<string, string>; status: number; error: string; challenge?: boolean }[] = [
    { name: 'no grant_type', body: { client_id: clientId, client_secret: secret }, status: 400, error: 'invalid_request' },
    { name: 'unknown grant_type', body: { grant_type: 'magic', client_id: clientId, client_secret: secret }, status: 400, error: 'unsupported_grant_type' },
    { name: 'grant_type is case-sensitive', body: { grant_type: 'CLIENT_CREDENTIALS', client_id: clientId, client_secret: secret }, status: 400, error: 'unsupported_grant_type' },
    { name: 'no client authentication', body: { grant_type: 'client_credentials' }, status: 401, error: 'invalid_client', challenge: true },
    { name: 'wrong secret (post)', body: { grant_type: 'client_credentials', client_id: clientId, client_secret: 'x'.repeat(32) }, status: 401, error: 'invalid_client' },
    { name: 'unknown client (post)', body: { grant_type: 'client_credentials', client_id: 'cnobody', client_secret: secret }, status: 401, error: 'invalid_client' },
    { name: 'wrong secret (basic) gets a challenge', body: { grant_type: 'client_credentials' }, headers: { authorization: basicClient(clientId, 'wrong') }, status: 401, error: 'invalid_client', challenge: true },
    { name: 'disabled client', body: { grant_type: 'client_credentials', client_id: disabled.clientId, client_secret: disabled.secret }, status: 401, error: 'invalid_client' },
    { name: 'two authentication methods', body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret }, headers: { authorization: basicClient(clientId, secret) }, status: 400, error: 'invalid_request' },
    { name: 'scope wider than the client\'s', body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'metrics photos' }, status: 400, error: 'invalid_scope' },
  ];
  for (const c of cases) {
    const { res, json } = await postToken(gw.url, form(c.body), c.headers);
    t.equal(res.status, c.status, `${c.name}: status`);
    t.equal(json.error, c.error, `${c.name}: error`);
    t.equal(res.headers.get('cache-control'), 'no-store', `${c.name}: no-store`);
    if (c.challenge) t.match(res.headers.get('www-authenticate'), /^Basic /, `${c.name}: challenge`);
  }

  const dup = await postToken(gw.url, 'grant_type=client_credentials&grant_type=client_credentials', { authorization: basicClient(clientId, secret) });
  t.equal(dup.json.error, 'invalid_request', 'a repeated parameter is refused (§3.2)');
  const json = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  t.equal(json.status, 400, 'an unknown content type is refused');
  const big = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `scope=${'a'.repeat(70_000)}` });
  t.equal(big.status, 413, 'bodies over the limit are refused');
  t.equal(((await big.json()) as { error: string }).error, 'payload_too_large');
  const get = await fetch(`${gw.url}/api/v1/oauth/token`);
  t.equal(get.status, 405);
  t.equal(get.headers.get('allow'), 'POST');
});

t.test('JSON bodies are accepted like forms', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { clientId, secret } = await gw.addClient();
  const res = await fetch(`${gw.url}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  t.equal(res.status, 200);
});

t.test('the client keeps only its newest N tokens', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  const { clientId, secret } = await gw.addClient({ tokenLimit: 2, scope: 'photos' });
  const tokens: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { json } = await postToken(gw.url, form({ grant_type: 'client_credentials' }), { authorization: basicClient(clientId, secret) });
    tokens.push(String(json.access_token));
  }
  const status = async (token: string) =>
    (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${token}` } })).status;
  t.equal(await status(tokens[0]!), 401, 'the oldest was evicted');
  t.equal(await status(tokens[1]!), 200);
  t.equal(await status(tokens[2]!), 200);
  t.equal((await gw.store.listTokens()).filter((x) => x.clientId === clientId).length, 2);
});

t.test('tokens expire with the client\'s lifetime, cached or not', async (t) => {
  const upstream = await startEchoUpstream(t);
  const clock = manualClock(Date.now());
  const gw = await startTestGateway(t, { upstream: upstream.url, clock });
  const { clientId, secret } = await gw.addClient({ tokenTtlSeconds: 60, scope: 'photos' });
  const { json } = await postToken(gw.url, form({ grant_type: 'client_credentials' }), { authorization: basicClient(clientId, secret) });
  const get = async () => (await fetch(`${gw.url}/api/v1/photos`, { headers: { authorization: `Bearer ${json.access_token}` } })).status;
  t.equal(await get(), 200, 'valid (and now cached)');
  clock.advance(59_000);
  t.equal(await get(), 200, 'still valid one second before expiry');
  clock.advance(1_000);
  t.equal(await get(), 401, 'refused at expiry although it was cached');
});
