/**
 * The shape of the store file, one zod schema for the types and for the check at load time:
 * a file that does not match is refused, never reset (PRODUCT.md "corrupt store").
 *
 * Secrets are never stored: user passwords as argon2id hashes (credentials/password-hash.ts),
 * tokens, app passwords and client secrets as SHA-256 hex digests (credentials/secrets.ts).
 * Times are epoch seconds.
 */
import { z } from 'zod';

export const userRoles = ['admin', 'user'] as const;
export const clientRoles = ['client', 'admin'] as const;
export const tokenKinds = ['app_password', 'access_token', 'refresh_token', 'session'] as const;
/** `consent`: a user's remembered approval of a client's scope (oidc/remembered-consent.ts). */
export const grantKinds = ['authorization_code', 'device_code', 'consent'] as const;
export const grantStatuses = ['pending', 'approved', 'denied', 'used'] as const;

const epochSeconds = z.number().int().nonnegative();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A user's two-factor sign-in (TOTP, RFC 6238; two-factor/). The TOTP secret cannot be hashed
 * (codes are computed from it), so it is sealed with a key kept outside the store
 * (two-factor/secret-box.ts); the recovery codes are kept as digests once shown, and a used one
 * is removed (Store.useRecoveryCode).
 */
const twoFactorFields = z.object({
  /** The base32 TOTP secret, sealed (AES-256-GCM, bound to the username). */
  sealedSecret: z.string().min(1),
  /** The recovery codes, space-separated and sealed, until activation shows them for the last time; then null. */
  sealedRecoveryCodes: z.string().nullable(),
  /** SHA-256 of each recovery code not used yet (62 random bits each; credentials/secrets.ts). */
  recoveryCodeDigests: z.array(sha256Hex),
  /** When a code from the authenticator was first confirmed; null while set up only. */
  verifiedAt: epochSeconds.nullable(),
  /** When sign-ins started asking for a code; null = not asked yet. */
  activatedAt: epochSeconds.nullable(),
  /** The last TOTP time step accepted: a code is accepted once (RFC 6238 §5.2). */
  lastStep: z.number().int().nonnegative(),
});

/**
 * Records written before recovery code sets held one code (`sealedRecoveryCode`,
 * `recoveryCodeDigest`): read as a set of that one code, so an existing store keeps working
 * (the sealed text of one code is a one-code list). Written back in the new shape.
 */
function fromSingleRecoveryCode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('recoveryCodeDigest' in value)) return value;
  const { sealedRecoveryCode, recoveryCodeDigest, ...rest } = value as Record<string, unknown>;
  return { sealedRecoveryCodes: sealedRecoveryCode ?? null, recoveryCodeDigests: [recoveryCodeDigest], ...rest };
}

export const twoFactorRecord = z.preprocess(fromSingleRecoveryCode, twoFactorFields);

/**
 * How a person signed in, carried from the browser session to the code it approves and to the
 * refresh tokens issued from it, so every ID token says the same (OIDC Core §2 `auth_time`,
 * `amr`, `sid`): epoch seconds of the sign-in, the methods used (RFC 8176: `pwd`, `otp`, ...),
 * and the browser session's id. Absent on credentials that came from no sign-in.
 */
const signInFields = {
  authTime: epochSeconds.optional(),
  amr: z.array(z.string().min(1)).optional(),
  sid: z.string().min(1).optional(),
};

export const userRecord = z.object({
  /** Stable subject of ID tokens (OIDC Core §2 `sub`); set when the user is added (oidc/subject.ts for older records). */
  id: z.string().min(1).optional(),
  username: z.string().min(1),
  /** Display name and e-mail address, for the OIDC `profile` and `email` scopes. */
  name: z.string().min(1).optional(),
  email: z.string().min(3).optional(),
  role: z.enum(userRoles),
  webdav: z.boolean(),
  passwordHash: z.string().startsWith('$argon2'),
  /** null = no two-factor sign-in. */
  twoFactor: twoFactorRecord.nullable().optional(),
  /** Set by an admin: every credential of the user is refused (store/find-active-user.ts). Absent = enabled. */
  disabled: z.boolean().optional(),
  createdAt: epochSeconds,
  updatedAt: epochSeconds,
});

export const clientRecord = z.object({
  clientId: z.string().min(1),
  name: z.string(),
  role: z.enum(clientRoles),
  scope: z.string(),
  /** null for public clients (no secret). */
  secretDigest: sha256Hex.nullable(),
  username: z.string().nullable(),
  /** Lifetime of the access tokens it is issued. */
  tokenTtlSeconds: z.number().int().positive(),
  /** How many of its newest tokens are kept; -1 = unlimited. */
  tokenLimit: z.number().int().min(-1),
  enabled: z.boolean(),
  /** Exact redirect URIs for the authorization code flow (RFC 6749 §3.1.2). */
  redirectUris: z.array(z.string()).default([]),
  /** Where RP-initiated logout may send the browser afterwards (OIDC RP-Initiated Logout §3.1); exact match. */
  postLogoutRedirectUris: z.array(z.string()).optional(),
  createdAt: epochSeconds,
  updatedAt: epochSeconds,
});

export const tokenRecord = z.object({
  /** Public reference id: listed, logged and used to revoke; never a secret. */
  id: z.string().min(1),
  digest: sha256Hex,
  kind: z.enum(tokenKinds),
  name: z.string(),
  username: z.string().nullable(),
  clientId: z.string().nullable(),
  scope: z.string(),
  /** How it was issued: `cli`, `client_credentials`, ... */
  grantType: z.string(),
  createdAt: epochSeconds,
  /** null = never expires. */
  expiresAt: epochSeconds.nullable(),
  /**
   * Tokens issued from one authorization (a code or device grant and every refresh after it)
   * share the grant's id here and are revoked together (RFC 6749 §10.5, §10.4). null otherwise.
   */
  familyId: z.string().nullable().default(null),
  /** Refresh tokens: when it was exchanged for a new pair (rotation); null while unused. */
  usedAt: epochSeconds.nullable().default(null),
  /** Browser sessions and refresh tokens of `openid` grants: how the user signed in. */
  ...signInFields,
  /**
   * When the credential was last used and from which client address (credentials/token-usage.ts):
   * written coalesced, at most every 30 s, and only ever moved forward. Absent: never used since
   * it was issued (or by a photogate before this field).
   */
  lastUsedAt: epochSeconds.optional(),
  lastUsedFrom: z.string().optional(),
});

/**
 * Short-lived authorizations a client redeems at the token endpoint: authorization codes
 * (RFC 6749 §4.1) and device codes (RFC 8628). Only digests of the codes are stored.
 */
export const grantRecord = z.object({
  id: z.string().min(1),
  /** Digest of the authorization code or device_code. */
  digest: sha256Hex,
  kind: z.enum(grantKinds),
  clientId: z.string().min(1),
  /** The user who approved; null while a device grant is pending. */
  username: z.string().nullable(),
  scope: z.string(),
  /** Authorization codes: the redirect_uri the code was issued for (RFC 6749 §4.1.3). */
  redirectUri: z.string().nullable(),
  /** PKCE S256 code_challenge (RFC 7636 §4.2), or null. */
  codeChallenge: z.string().nullable(),
  /** Device grants: digest of the normalised user code (RFC 8628 §6.1). */
  userCodeDigest: sha256Hex.nullable(),
  status: z.enum(grantStatuses),
  createdAt: epochSeconds,
  expiresAt: epochSeconds,
  usedAt: epochSeconds.nullable(),
  /** Device grants: last poll of the token endpoint, for slow_down (RFC 8628 §3.5). */
  lastPolledAt: epochSeconds.nullable(),
  /** Authorization codes of `openid` requests: the nonce to echo (OIDC Core §3.1.2.1). */
  nonce: z.string().optional(),
  ...signInFields,
});

/**
 * A key photogate signs ID tokens with (oidc/signing-keys.ts). The private key is stored only
 * encrypted (a compact JWE, `dir` + A256GCM) under a secret kept outside the store.
 */
export const signingKeyRecord = z.object({
  kid: z.string().min(1),
  alg: z.enum(['RS256', 'ES256', 'EdDSA']),
  /** The public JWK as JSON text. */
  publicJwk: z.string().min(2),
  /** The private JWK as JSON text, encrypted: a compact JWE. */
  privateJwe: z.string().min(1),
  createdAt: epochSeconds,
  /** null while it may sign; set when a newer key replaces it: published until every token it signed has expired. */
  publishedUntil: epochSeconds.nullable(),
});

/**
 * Which journal continues this snapshot, and the last journal line already in it
 * (store-journal.ts). Absent in a store never written by a journaling photogate.
 */
export const snapshotJournal = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  seq: z.number().int().nonnegative(),
});

export const storeData = z.object({
  version: z.literal(1),
  journal: snapshotJournal.optional(),
  users: z.array(userRecord),
  clients: z.array(clientRecord),
  tokens: z.array(tokenRecord),
  grants: z.array(grantRecord).default([]),
  signingKeys: z.array(signingKeyRecord).default([]),
});

export type UserRole = (typeof userRoles)[number];
export type ClientRole = (typeof clientRoles)[number];
export type TokenKind = (typeof tokenKinds)[number];
export type GrantKind = (typeof grantKinds)[number];
export type GrantStatus = (typeof grantStatuses)[number];
export type GrantRecord = z.infer<typeof grantRecord>;
export type SigningKeyRecord = z.infer<typeof signingKeyRecord>;
export type SignInFields = Pick<TokenRecord, 'authTime' | 'amr' | 'sid'>;
export type UserRecord = z.infer<typeof userRecord>;
export type TwoFactorRecord = z.infer<typeof twoFactorRecord>;
export type ClientRecord = z.infer<typeof clientRecord>;
export type TokenRecord = z.infer<typeof tokenRecord>;
/** `signingKeys` may be left out by a writer (it came later): it is written as an empty table. */
export type StoreData = Omit<z.infer<typeof storeData>, 'signingKeys'> & { signingKeys?: SigningKeyRecord[] };
export type SnapshotJournal = z.infer<typeof snapshotJournal>;

export function emptyStoreData(): StoreData {
  return { version: 1, users: [], clients: [], tokens: [], grants: [], signingKeys: [] };
}
