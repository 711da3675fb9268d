import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import { digestSecret, generateAccessToken, generateRefId } from '../credentials/secrets.js';
import type { TokenKind, TokenRecord } from '../store/records.js';
import type { AddTokenOptions, Store } from '../store/store.js';

export interface NewToken {
  kind: TokenKind;
  name: string;
  username: string | null;
  clientId: string | null;
  scope: string;
  grantType: string;
  /** Lifetime; null = never expires. */
  ttlSeconds: number | null;
}

/**
 * Creates a token, stores only its digest, and resolves to the secret once the store has it
 * durably. The caller shows the secret once; it exists nowhere else.
 */
export async function issueAccessToken(
  store: Store,
  clock: Clock,
  token: NewToken,
  options: AddTokenOptions = {},
): Promise<{ secret: string; record: TokenRecord }> {
  const secret = generateAccessToken();
  let id = generateRefId();
  while (await store.findToken(id)) id = generateRefId();
  const now = nowSeconds(clock);
  const record: TokenRecord = {
    id,
    digest: digestSecret(secret),
    kind: token.kind,
    name: token.name,
    username: token.username,
    clientId: token.clientId,
    scope: token.scope,
    grantType: token.grantType,
    createdAt: now,
    expiresAt: token.ttlSeconds === null ? null : now + token.ttlSeconds,
  };
  await store.addToken(record, options);
  return { secret, record };
}
