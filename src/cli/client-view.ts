import type { ClientRecord } from '../store/records.js';
import { formatFields, formatTable } from './table.js';

/** A public client has no secret (RFC 6749 §2.1): it authenticates with PKCE or not at all. */
export function clientType(client: ClientRecord): 'confidential' | 'public' {
  return client.secretDigest === null ? 'public' : 'confidential';
}

/** What is shown of a client: never its secret's digest. */
export function clientView(client: ClientRecord) {
  return {
    client_id: client.clientId,
    name: client.name,
    username: client.username,
    role: client.role,
    type: clientType(client),
    scope: client.scope,
    redirect_uris: client.redirectUris,
    ...(client.postLogoutRedirectUris?.length ? { post_logout_redirect_uris: client.postLogoutRedirectUris } : {}),
    expires_in: client.tokenTtlSeconds,
    tokens: client.tokenLimit,
    enabled: client.enabled,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

export const clientColumns: [string, string][] = [
  ['Client ID', 'client_id'],
  ['Name', 'name'],
  ['User', 'username'],
  ['Role', 'role'],
  ['Type', 'type'],
  ['Scope', 'scope'],
  ['Redirect URIs', 'redirect_uris'],
  ['Token Lifetime', 'expires_in'],
  ['Tokens', 'tokens'],
  ['Enabled', 'enabled'],
  ['Created At', 'created_at'],
];

/** The client's details and, once, its new secret, as the reference prints them (seeds: 003). */
export function formatClientWithSecret(view: Record<string, unknown>, clientId: string, secret: string): string {
  return `${formatFields(view)}${formatTable(['Client ID', 'Client Secret'], [[clientId, secret]])}The secret is shown only this once.\n`;
}
