/**
 * Issue 5 point 7: the logs never hold a password, app password, token or client secret, in
 * debug mode and on errors too. A real `photogate start` (debug level) is driven with every kind
 * of secret, right and wrong, in headers, bodies and query strings, and through an upstream
 * failure (502); its whole stdout and stderr must then contain none of them, nor their Basic
 * encodings. Credentials come from the real CLI against the same store file.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { runCliJson } from '../helpers/run-cli.js';

const secretOf = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Answers 200 with what it got, except `/api/v1/photos/broken`, where it drops the connection (502). */
async function startUpstream(t: Test): Promise<{ url: string; seen: number }> {
  const state = { url: '', seen: 0 };
  const server = createServer((req, res) => {
    state.seen += 1;
    if (req.url?.startsWith('/api/v1/photos/broken')) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

t.test('no secret reaches the logs, in debug mode and on errors', async (t) => {
  const dir = t.testdir();
  const store = join(dir, 'store.json');
  const upstream = await startUpstream(t);
  const config = join(dir, 'photogate.yaml');
  writeFileSync(config, `upstream:\n  url: ${upstream.url}\nstore:\n  path: ${store}\nlog:\n  level: debug\n  requests: true\n`);

  const adminPassword = secretOf('admin-pw');
  const gw = await startGatewayProcess(t, ['--config', config], { PHOTOGATE_ADMIN_PASSWORD: adminPassword });
  const cli = async <T>(args: string[]) => {
    const result = await runCliJson<T>([...args, '--config', config]);
    t.equal(result.code, 0, `photogate ${args.slice(0, 2).join(' ')}: ${result.stderr}`);
    return result.json as T;
  };

  const bobPassword = secretOf('bob-pw');
  await cli(['users', 'add', 'bob', '--password', bobPassword]);
  const app = await cli<{ token: string }>(['auth', 'add', 'bob', '-n', 'phone', '-s', '*']);
  const token = await cli<{ token: string }>(['auth', 'add', '-n', 'script', '-s', '*']);
  const client = await cli<{ client_id: string; client_secret: string }>(['clients', 'add', '-n', 'backup', '-s', 'photos']);
  const wrong = { password: secretOf('wrong-pw'), app: secretOf('wrong-app'), token: secretOf('wrong-token'), client: secretOf('wrong-client') };
  const query = { public: secretOf('query-public'), protected: secretOf('query-protected') };
  const secrets: Record<string, string> = {
    adminPassword, bobPassword, app: app.token, token: token.token, clientSecret: client.client_secret,
    ...Object.fromEntries(Object.entries(wrong).map(([k, v]) => [`wrong ${k}`, v])),
    ...Object.fromEntries(Object.entries(query).map(([k, v]) => [`query ${k}`, v])),
  };

  const call = async (path: string, init: RequestInit = {}) => (await fetch(`${gw.url}${path}`, init)).status;
  const withHeaders = (headers: Record<string, string>) => ({ headers });
  // The CLI's writes reach the gateway within its store reload interval.
  for (let i = 0; (await call('/api/v1/photos', withHeaders({ authorization: basic('bob', bobPassword) }))) !== 200; i++) {
    if (i > 50) throw new Error('the CLI user never reached the gateway');
    await new Promise((r) => setTimeout(r, 50));
  }

  const statuses: [string, number, number][] = [];
  const expect = async (name: string, status: number, path: string, init?: RequestInit) => statuses.push([name, status, await call(path, init)]);
  await expect('admin password, Basic', 200, '/api/v1/photos', withHeaders({ authorization: basic('admin', adminPassword) }));
  await expect('wrong password, Basic', 401, '/api/v1/photos', withHeaders({ authorization: basic('bob', wrong.password) }));
  await expect('app password, Basic', 200, '/api/v1/photos', withHeaders({ authorization: basic('bob', app.token) }));
  await expect('app password, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${app.token}` }));
  await expect('wrong app password, Basic', 401, '/api/v1/photos', withHeaders({ authorization: basic('bob', wrong.app) }));
  await expect('access token, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${token.token}` }));
  await expect('access token, X-Auth-Token', 200, '/api/v1/photos', withHeaders({ 'x-auth-token': token.token }));
  await expect('wrong token, X-Session-ID', 401, '/api/v1/photos', withHeaders({ 'x-session-id': wrong.token }));

  const grant = async (init: RequestInit) => {
    const res = await fetch(`${gw.url}/api/v1/oauth/token`, { method: 'POST', ...init });
    const json = (await res.json()) as { access_token?: string };
    if (json.access_token) secrets[`issued token ${Object.keys(secrets).filter((k) => k.startsWith('issued')).length + 1}`] = json.access_token;
    return res.status;
  };
  statuses.push(['client_credentials, Basic', 200, await grant({ headers: { ...form, authorization: basic(client.client_id, client.client_secret) }, body: 'grant_type=client_credentials' })]);
  statuses.push(['client_credentials, post', 200, await grant({ headers: form, body: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}` })]);
  statuses.push(['wrong client secret', 401, await grant({ headers: { ...form, authorization: basic(client.client_id, wrong.client) }, body: 'grant_type=client_credentials' })]);
  statuses.push(['wrong client secret, post', 401, await grant({ headers: form, body: `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${wrong.client}` })]);
  const issued = Object.entries(secrets).filter(([k]) => k.startsWith('issued')).map(([, v]) => v);
  await expect('issued token, Bearer', 200, '/api/v1/photos', withHeaders({ authorization: `Bearer ${issued[0]}` }));

  const session = async (body: unknown) => {
    const res = await fetch(`${gw.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { access_token?: string };
    if (json.access_token) secrets.session = json.access_token;
    return res.status;
  };
  statuses.push(['session login', 200, await session({ username: 'bob', password: bobPassword })]);
  statuses.push(['session login, wrong password', 401, await session({ username: 'bob', password: wrong.password })]);
  await expect('session token, X-Session-ID', 200, '/api/v1/photos', withHeaders({ 'x-session-id': secrets.session! }));
  await expect('session end', 200, '/api/v1/session', { method: 'DELETE', headers: { 'x-auth-token': secrets.session! } });

  await expect('secret in the query, public route', 200, `/api/v1/t/abc/${query.public}/tile_224?t=${query.public}`);
  await expect('secret in the query, protected route', 200, `/api/v1/photos?t=${query.protected}`, withHeaders({ authorization: `Bearer ${token.token}` }));
  await expect('secret in the query, refused', 401, `/api/v1/photos?t=${query.protected}&password=${wrong.password}`);
  await expect('upstream failure', 502, `/api/v1/photos/broken?t=${query.protected}`, withHeaders({ authorization: basic('bob', bobPassword) }));
  await expect('upstream failure, token', 502, `/api/v1/photos/broken`, withHeaders({ 'x-auth-token': token.token }));
  for (const [name, want, got] of statuses) t.equal(got, want, name);

  gw.child.kill('SIGTERM');
  await new Promise((r) => (gw.child.exitCode === null ? gw.child.once('exit', r) : r(null)));
  const logs = gw.stdout() + gw.stderr();
  t.match(logs, /"level":20/, 'debug lines were logged');
  t.ok(logs.split('\n').filter((l) => l.includes('"msg":"request"')).length >= statuses.length, 'every request was logged');
  t.match(logs, /"msg":"request failed"/, 'the upstream failure was logged');
  t.ok(upstream.seen > 0, 'requests reached the upstream');
  for (const [name, secret] of Object.entries(secrets)) {
    const forms = [secret, Buffer.from(secret).toString('base64'), basic('bob', secret).slice(6), basic('admin', secret).slice(6), basic(client.client_id, secret).slice(6), encodeURIComponent(secret)];
    t.notOk(forms.some((f) => logs.includes(f)), `${name} is not in the logs`);
  }
});
