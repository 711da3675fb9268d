/**
 * The keys ID tokens are signed with (OIDC Core §10.1): generated with jose on first use, kept in
 * the store, published at /.well-known/jwks.json, replaced by `photogate keys rotate` or by a
 * change of `oidc.signingAlg`. The newest key signs; a replaced key stays published until every
 * ID token it signed has expired (`publishedUntil`: the rotation time plus the ID token lifetime
 * and a minute for other processes to notice), so relying parties never see a signature they
 * cannot check. The `kid` is the key's RFC 7638 thumbprint.
 *
 * Protection at rest: the private JWK is stored only as a compact JWE (`dir`, A256GCM, by jose)
 * under a 256-bit secret kept in a 0600 file of its own, outside the store (key-secret.ts). The
 * store is what gets copied around (backups, a shared volume, a database dump once issue 17's
 * PostgreSQL store exists), and a copy of it alone cannot sign a token. This does not stop
 * someone who can read both files, that is the gateway's own account; a KMS or HSM would, but a
 * self-hosted gateway has none, and a passphrase typed at each start would forbid unattended
 * restarts. Pinned by test/unit/oidc/signing-keys.test.ts.
 */
import { CompactEncrypt, calculateJwkThumbprint, compactDecrypt, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { type Clock, nowSeconds } from '../clock.js';
import type { SigningKeyRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export type SigningAlg = SigningKeyRecord['alg'];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

export interface SigningKeys {
  /** The key that signs now; made (or rotated to the configured algorithm) when needed. */
  current(): Promise<SigningKey>;
  /** RFC 7517 key set of every key still published. */
  jwks(): Promise<{ keys: JWK[] }>;
  rotate(): Promise<SigningKeyRecord>;
}

export interface SigningKeysOptions {
  store: Store;
  clock: Clock;
  alg: SigningAlg;
  /** 32 bytes that encrypt private keys in the store; asked for when first needed. */
  secret: () => Promise<Uint8Array>;
  idTokenTtlSeconds: number;
}

const NOTICE_SECONDS = 60;
const textDecoder = new TextDecoder();

function newest(keys: readonly SigningKeyRecord[]): SigningKeyRecord | undefined {
  return keys
    .filter((k) => k.publishedUntil === null)
    .reduce<SigningKeyRecord | undefined>((best, k) => (best === undefined || k.createdAt > best.createdAt || (k.createdAt === best.createdAt && k.kid > best.kid) ? k : best), undefined);
}

export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const { store, clock } = options;
  let secretBytes: Promise<Uint8Array> | undefined;
  const secret = () => {
    secretBytes ??= options.secret();
    secretBytes.catch(() => {
      secretBytes = undefined;
    });
    return secretBytes;
  };
  const privateKeys = new Map<string, Promise<CryptoKey>>();
  let making: Promise<SigningKeyRecord> | undefined;

  async function rotate(): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair(options.alg, { extractable: true, ...(options.alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: `photogate-key-secret` })
      .encrypt(await secret());
    const now = nowSeconds(clock);
    const record: SigningKeyRecord = { kid, alg: options.alg, publicJwk: JSON.stringify(publicJwk), privateJwe, createdAt: now, publishedUntil: null };
    await store.addSigningKey(record, { publishedUntil: now + options.idTokenTtlSeconds + NOTICE_SECONDS, nowSeconds: now });
    return record;
  }

  /** One rotation at a time in this process, however many requests find no key at once. */
  function rotateOnce(): Promise<SigningKeyRecord> {
    making ??= rotate().finally(() => {
      making = undefined;
    });
    return making;
  }

  function privateKeyOf(record: SigningKeyRecord): Promise<CryptoKey> {
    let key = privateKeys.get(record.kid);
    if (key === undefined) {
      key = secret()
        .then((bytes) => compactDecrypt(record.privateJwe, bytes))
        .catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'ERR_JWE_DECRYPTION_FAILED') throw error;
          // Typically a second replica on one PostgreSQL store that made a secret of its own.
          throw new Error(
            `signing key ${record.kid} cannot be decrypted with this gateway's key secret (oidc.keySecretFile, default oidc-key-secret next to the store file): every gateway and CLI on one store needs the same file`,
          );
        })
        .then(({ plaintext }) => importJWK(JSON.parse(textDecoder.decode(plaintext)) as JWK, record.alg) as Promise<CryptoKey>);
      key.catch(() => privateKeys.delete(record.kid));
      privateKeys.set(record.kid, key);
    }
    return key;
  }

  return {
    rotate: rotateOnce,
    async current() {
      let record = newest(await store.listSigningKeys());
      if (record === undefined || record.alg !== options.alg) record = await rotateOnce();
      return { kid: record.kid, alg: record.alg, key: await privateKeyOf(record) };
    },
    async jwks() {
      const now = nowSeconds(clock);
      const keys = (await store.listSigningKeys())
        .filter((k) => k.publishedUntil === null || k.publishedUntil > now)
        .map((k) => ({ ...(JSON.parse(k.publicJwk) as JWK), kid: k.kid, alg: k.alg, use: 'sig' }));
      return { keys };
    },
  };
}
