/**
 * Generating and digesting secrets.
 *
 * Tokens, app passwords and client secrets are high-entropy random values (>= 134 bits), so a
 * plain SHA-256 digest is enough to store them: there is nothing to brute-force, and a fast digest
 * keeps the per-request check cheap (HAZARDS H14: one-shot `crypto.hash`). User passwords are
 * chosen by people and get argon2id instead (password-hash.ts).
 *
 * Formats follow the reference server (reference-photoprism.md §3.1) so existing clients and
 * habits carry over: access tokens and sessions are 48 hex digits, app passwords four dash-joined
 * groups of six base62 characters whose last character is a CRC-32 checksum, client ids `c` + 15
 * base36, client secrets 32 base62, reference ids `sess` + 8 base36. Refresh tokens have no
 * counterpart there: 32 random bytes in base64url (43 characters), never mistaken for the others.
 */
import { hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const BASE36 = 'abcdefghijklmnopqrstuvwxyz0123456789';
const APP_PASSWORD = /^[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}$/;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** SHA-256 hex digest: the only form in which a token or secret is stored or used as a key. */
export function digestSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function generateAccessToken(): string {
  return randomBytes(24).toString('hex');
}

/** 256 bits, base64url without padding: 43 characters of A-Z a-z 0-9 - _. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

function appPasswordChecksum(first26: string): string {
  return BASE62[crc32(first26) % 62] as string;
}

export function generateAppPassword(): string {
  const body = randomString(BASE62, 23);
  const first26 = `${body.slice(0, 6)}-${body.slice(6, 12)}-${body.slice(12, 18)}-${body.slice(18, 23)}`;
  return first26 + appPasswordChecksum(first26);
}

/** True for a well-formed app password whose checksum matches (no store lookup). */
export function isAppPassword(value: string): boolean {
  return APP_PASSWORD.test(value) && appPasswordChecksum(value.slice(0, 26)) === value[26];
}

export function generateClientId(): string {
  return `c${randomString(BASE36, 15)}`;
}

export function generateClientSecret(): string {
  return randomString(BASE62, 32);
}

/**
 * A two-factor recovery code: 12 characters of [a-z0-9] (62 bits), the reference server's length,
 * which its web UI's 12-character code field takes. Stored as a plain SHA-256 digest like the
 * tokens, not argon2: online guesses are limited like passwords and need the password first,
 * and a stolen store still leaves ~2^62 hashes per code to try (years of GPU time) for a code
 * that is useless without the user's password.
 */
export function generateRecoveryCode(): string {
  return randomString(BASE36, 12);
}

/** Letters and digits that cannot be misread for each other (no 0 O 1 l I o). */
const UNAMBIGUOUS = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A user password photogate chooses (the first admin's, an admin's reset, `users add` without
 * one): 20 characters of 56 (116 bits), readable aloud; hashed with argon2id like any password
 * and shown once. Never shaped like an app password.
 */
export function generateUserPassword(): string {
  return randomString(UNAMBIGUOUS, 20);
}

export function generateRefId(): string {
  return `sess${randomString(BASE36, 8)}`;
}
