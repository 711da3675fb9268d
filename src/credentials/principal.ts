import type { ScopeGrant } from '../access/scope-grant.js';

/** Refresh tokens are not here: they are only ever redeemed at the token endpoint (RFC 6749 §1.5). */
export type PrincipalKind = 'app_password' | 'access_token' | 'session' | 'user_password';
export type PrincipalRole = 'admin' | 'user' | 'client';

/** Who a validated credential speaks for, and what it may do. Built once, then cached. */
export interface Principal {
  kind: PrincipalKind;
  /** The user it acts for; null for client tokens and `auth add` tokens without a user. */
  username: string | null;
  role: PrincipalRole;
  /** May reach WebDAV: a user with the webdav flag, through a credential that is not a client's. */
  webdav: boolean;
  clientId: string | null;
  /** Public reference id of the token or app password; null for a user password. */
  credentialId: string | null;
  /** Normalised scope string, as sent upstream in X-Forwarded-Scope. */
  scope: string;
  grant: ScopeGrant;
  /** Epoch seconds, or null for never. */
  expiresAt: number | null;
  /** The user has two-factor sign-in on: their own password alone opens nothing (PRODUCT.md "two-factor"). */
  twoFactor: boolean;
  /** How the person signed in (RFC 8176: `pwd`, `otp`, `mfa`), as recorded on the token; empty when unknown. */
  amr: readonly string[];
}
