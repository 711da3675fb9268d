/**
 * The two metadata documents against what the endpoints really do: openid-configuration is
 * OpenID Connect Discovery 1.0 §3 metadata (every REQUIRED member, and each claim checked by
 * calling the endpoint it describes), oauth-authorization-server stays RFC 8414's (no OIDC-only
 * members). Each advertised grant type is accepted by the token endpoint and none other; each
 * advertised prompt value is understood; the ID token's algorithm and claims are among those
 * advertised; and `false` is told where Discovery's defaults would promise more.
 */
import { decodeProtectedHeader, decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import t from 'tap';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { getFormPage, postForm } from '../helpers/oauth-forms.js';
import { startTestGateway } from '../helpers/test-gateway.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

t.test('openid-configuration and oauth-authorization-server say what the endpoints do', async (t) => {
  const upstream = await startEchoUpstream(t);
  const gw = await startTestGateway(t, { upstream: upstream.url });
  await gw.addUser('alice', 'alice-password', { role: 'user' });
  const { clientId } = await gw.addClient({ secretDigest: null, scope: 'openid profile email photos', redirectUris: [REDIRECT], postLogoutRedirectUris: [REDIRECT] });
  const get = async (path: string) => (await (await fetch(`${gw.issuer}${path}`)).json()) as Record<string, unknown>;
  const openid = await get('/.well-known/openid-configuration');
  const oauth = await get('/.well-known/oauth-authorization-server');

  for (const member of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']) {
    t.ok(openid[member] !== undefined, `Discovery §3 REQUIRED: ${member}`);
  }
  for (const member of ['jwks_uri', 'userinfo_endpoint', 'end_session_endpoint', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'claims_supported', 'prompt_values_supported']) {
    t.equal(oauth[member], undefined, `RFC 8414 document has no OIDC-only ${member}`);
  }
  const shared = Object.keys(oauth).filter((k) => k !== 'scopes_supported');
  t.same(Object.fromEntries(shared.map((k) => [k, openid[k]])), Object.fromEntries(shared.map((k) => [k, oauth[k]])), 'the OAuth members are the same in both');
  t.equal(openid.issuer, gw.issuer);
  t.same(openid.subject_types_supported, ['public']);
  t.equal(openid.request_uri_parameter_supported, false, 'false said out loud: Discovery defaults it to true');
  t.equal(openid.request_parameter_supported, false);
  t.equal(openid.claims_parameter_supported, false);
  t.ok((openid.scopes_supported as string[]).includes('openid'), 'openid is a scope');

  // jwks_uri serves keys of the advertised algorithm.
  const jwks = (await (await fetch(openid.jwks_uri as string)).json()) as { keys: { alg: string; kid: string; use: string }[] };
  t.ok(jwks.keys.length > 0);
  for (const key of jwks.keys) t.ok((openid.id_token_signing_alg_values_supported as string[]).includes(key.alg), `key ${key.kid}: advertised algorithm`);

  // Every advertised grant type is known to the token endpoint, and nothing else.
  for (const grant of openid.grant_types_supported as string[]) {
    const res = await fetch(openid.token_endpoint as string, { method: 'POST', body: new URLSearchParams({ grant_type: grant, client_id: clientId }) });
    t.not(((await res.json()) as { error: string }).error, 'unsupported_grant_type', `grant ${grant} is accepted`);
  }
  const unknown = await fetch(openid.token_endpoint as string, { method: 'POST', body: new URLSearchParams({ grant_type: 'implicit' }) });
  t.equal(((await unknown.json()) as { error: string }).error, 'unsupported_grant_type', 'an unadvertised grant is not');

  // A real flow: the ID token's algorithm, claims and the response type are the advertised ones.
  const config = await oidc.discovery(new URL(gw.issuer), clientId, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const base = { redirect_uri: REDIRECT, scope: 'openid profile email', state: 's', nonce: 'n', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' };
  const url = oidc.buildAuthorizationUrl(config, base);
  const page = await getFormPage(url.href);
  const res = await postForm(`${url.origin}${url.pathname}`, page, { username: 'alice', password: 'alice-password', decision: 'allow' });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(res.headers.get('location') as string), { pkceCodeVerifier: verifier, expectedState: 's', expectedNonce: 'n' });
  const idToken = tokens.id_token as string;
  t.ok((openid.id_token_signing_alg_values_supported as string[]).includes(decodeProtectedHeader(idToken).alg as string), 'the ID token uses an advertised algorithm');
  for (const claim of Object.keys(decodeJwt(idToken))) t.ok((openid.claims_supported as string[]).includes(claim), `claim ${claim} is advertised`);

  const authorizeWith = async (params: Record<string, string>) => {
    const u = new URL(openid.authorization_endpoint as string);
    u.search = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's', code_challenge: base.code_challenge, code_challenge_method: 'S256', ...params }).toString();
    const r = await fetch(u, { redirect: 'manual' });
    return r.status === 303 ? new URL(r.headers.get('location') as string).searchParams.get('error') : `page ${r.status}`;
  };
  for (const prompt of openid.prompt_values_supported as string[]) {
    t.not(await authorizeWith({ prompt }), 'invalid_request', `prompt=${prompt} is understood`);
  }
  t.equal(await authorizeWith({ prompt: 'bogus' }), 'invalid_request', 'an unadvertised prompt is not');
  t.same(openid.response_types_supported, ['code']);
  t.equal(await authorizeWith({ response_type: 'id_token' }), 'unsupported_response_type', 'an unadvertised response type is refused');
  t.same(openid.code_challenge_methods_supported, ['S256']);
  t.equal(await authorizeWith({ code_challenge_method: 'plain' }), 'invalid_request', 'plain PKCE is refused');

  // userinfo and end_session answer at the advertised URLs.
  const info = await fetch(openid.userinfo_endpoint as string, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  t.equal(info.status, 200, 'userinfo_endpoint answers');
  const logout = await fetch(`${openid.end_session_endpoint as string}?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: REDIRECT, state: 'bye' })}`, { redirect: 'manual' });
  t.equal(logout.status, 303, 'end_session_endpoint answers');
  t.equal(logout.headers.get('location'), `${REDIRECT}?state=bye`);
});
