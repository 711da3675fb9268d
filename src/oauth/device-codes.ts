/**
 * Device authorization (RFC 8628 §3.2): a secret device_code for the device, a short user_code
 * for the person. User codes use 20 consonants (no vowels, so no words; §6.1) in two groups of
 * four: 20^8 ≈ 2.6e10 codes, and a code is only good while pending and for minutes, behind the
 * failure limiter. Both are stored as digests; user codes are compared normalised (upper case,
 * separators dropped).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { digestSecret } from '../credentials/secrets.js';

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function generateDeviceCode(): string {
  return randomBytes(32).toString('base64url');
}

export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function digestUserCode(input: string): string {
  return digestSecret(input.toUpperCase().replace(/[^A-Z]/g, ''));
}
