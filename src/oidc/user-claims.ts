/**
 * The standard claims a token's scopes release (OIDC Core §5.4), in ID tokens and at userinfo:
 * `profile` gives `preferred_username` and `name` (the display name, or the username), `email`
 * gives `email` and `email_verified`. photogate never checks that an address reaches its owner,
 * so `email_verified` is false: an administrator typed it.
 */
import type { UserRecord } from '../store/records.js';
import { subjectOf } from './subject.js';

export const openidScopes = ['openid', 'profile', 'email'] as const;

export function hasOpenidScope(scope: string): boolean {
  return scope.split(' ').includes('openid');
}

export function userClaims(user: UserRecord, scope: string): Record<string, string | boolean> {
  const scopes = new Set(scope.split(' '));
  const claims: Record<string, string | boolean> = { sub: subjectOf(user) };
  if (scopes.has('profile')) {
    claims.preferred_username = user.username;
    claims.name = user.name ?? user.username;
  }
  if (scopes.has('email') && user.email !== undefined) {
    claims.email = user.email;
    claims.email_verified = false;
  }
  return claims;
}

/** What discovery lists in `claims_supported`. */
export const supportedClaims = [
  'iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'amr', 'sid',
  'preferred_username', 'name', 'email', 'email_verified',
] as const;
