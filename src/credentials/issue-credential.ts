import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import type { SignInFields, TokenKind, TokenRecord } from '../store/records.js';
import type { AddTokenOptions, Store } from '../store/store.js';
import {
  digestSecret,
  generateAccessToken,
  generateAppPassword,
  generateRefId,
  generateRefreshToken,
} from './secrets.js';

export interface NewCredential {
  kind: TokenKind;
  name: string;
  username: string | null;
  clientId: string | null;
  scope: string;
  grantType: string;
  /** Lifetime; null = never expires. */
  ttlSeconds: number | null;
  /** The authorization (grant id) it was issued from, revoked together; default null. */
  familyId?: string | null;
  /** How the user signed in (records.ts): sessions and refresh tokens all of it, access tokens `amr` (Principal.amr). */
  signIn?: SignInFields | undefined;
}

const generators: Record<TokenKind, () => string> = {
  app_password: generateAppPassword,
  access_token: generateAccessToken,
  refresh_token: generateRefreshToken,
  session: generateAccessToken,
};

/**
 * Creates an app password, access token, refresh token or session, stores only its digest under a
 * fresh public reference id, and resolves to the secret once the store has it durably. The caller
 * shows the secret once; it exists nowhere else. Used by the CLI (`auth add`) and the token
 * endpoint.
 */
export async function issueCredential(
  store: Store,
  clock: Clock,
  credential: NewCredential,
  options: AddTokenOptions = {},
): Promise<{ secret: string; record: TokenRecord }> {
  const secret = generators[credential.kind]();
  let id = generateRefId();
  while (await store.findToken(id)) id = generateRefId();
  const now = nowSeconds(clock);
  const record: TokenRecord = {
    id,
    digest: digestSecret(secret),
    kind: credential.kind,
    name: credential.name,
    username: credential.username,
    clientId: credential.clientId,
    scope: credential.scope,
    grantType: credential.grantType,
    createdAt: now,
    expiresAt: credential.ttlSeconds === null ? null : now + credential.ttlSeconds,
    familyId: credential.familyId ?? null,
    usedAt: null,
    ...signInFieldsOf(credential.signIn),
  };
  await store.addToken(record, options);
  return { secret, record };
}

/** Only the fields that are set: a record without a sign-in keeps the plain token shape. */
export function signInFieldsOf(signIn: SignInFields | undefined): SignInFields {
  const fields: SignInFields = {};
  if (signIn?.authTime !== undefined) fields.authTime = signIn.authTime;
  if (signIn?.amr !== undefined) fields.amr = [...signIn.amr];
  if (signIn?.sid !== undefined) fields.sid = signIn.sid;
  return fields;
}
