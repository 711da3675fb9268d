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
export const tokenKinds = ['app_password', 'access_token'] as const;

const epochSeconds = z.number().int().nonnegative();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const userRecord = z.object({
  username: z.string().min(1),
  role: z.enum(userRoles),
  webdav: z.boolean(),
  passwordHash: z.string().startsWith('$argon2'),
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
});

export const storeData = z.object({
  version: z.literal(1),
  users: z.array(userRecord),
  clients: z.array(clientRecord),
  tokens: z.array(tokenRecord),
});

export type UserRole = (typeof userRoles)[number];
export type ClientRole = (typeof clientRoles)[number];
export type TokenKind = (typeof tokenKinds)[number];
export type UserRecord = z.infer<typeof userRecord>;
export type ClientRecord = z.infer<typeof clientRecord>;
export type TokenRecord = z.infer<typeof tokenRecord>;
export type StoreData = z.infer<typeof storeData>;

export function emptyStoreData(): StoreData {
  return { version: 1, users: [], clients: [], tokens: [] };
}
