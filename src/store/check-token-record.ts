/**
 * The token check at load time without zod's copy: a store of 100,000 tokens is checked in a
 * fraction of the time and allocates each record once, not twice (issue 6 point 4: start-up under
 * 2 s, memory under 200 MB). A record with exactly the schema's fields and valid values is taken
 * as it is; anything else (a missing default, an unknown field, a bad value) goes through the zod
 * schema in records.ts, which stays the definition and gives the error. The checks are keyed by
 * field, so a field added to the schema does not compile until it has one here.
 * Pinned by test/unit/store/check-token-record.test.ts (never accepts what zod refuses).
 */
import type { TokenRecord } from './records.js';
import { tokenKinds } from './records.js';

const isString = (value: unknown) => typeof value === 'string';
const isStringOrNull = (value: unknown) => value === null || typeof value === 'string';
const isEpoch = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isEpochOrNull = (value: unknown) => value === null || isEpoch(value);
const kinds: ReadonlySet<unknown> = new Set(tokenKinds);

function isSha256Hex(value: unknown): boolean {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

type RequiredField = Exclude<keyof TokenRecord, OptionalField>;
/** Fields a token has only when it came from a sign-in (records.ts signInFields), or once it was used. */
type OptionalField = 'authTime' | 'amr' | 'sid' | 'lastUsedAt' | 'lastUsedFrom';

const optionalChecks: Record<OptionalField, (value: unknown) => boolean> = {
  authTime: isEpoch,
  amr: (value) => Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0),
  sid: (value) => typeof value === 'string' && value.length > 0,
  lastUsedAt: isEpoch,
  lastUsedFrom: isString,
};

const fieldChecks: Record<RequiredField, (value: unknown) => boolean> = {
  id: (value) => typeof value === 'string' && value.length > 0,
  digest: isSha256Hex,
  kind: (value) => kinds.has(value),
  name: isString,
  username: isStringOrNull,
  clientId: isStringOrNull,
  scope: isString,
  grantType: isString,
  createdAt: isEpoch,
  expiresAt: isEpochOrNull,
  familyId: isStringOrNull,
  usedAt: isEpochOrNull,
};
const fields = Object.entries(fieldChecks);
const optionalFields = Object.entries(optionalChecks);

/** Whether `value` (fresh from JSON.parse) is a complete token record that zod would return unchanged. */
export function isPlainTokenRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  let optional = 0;
  for (const [field, check] of optionalFields) {
    if (!Object.hasOwn(record, field)) continue;
    if (!check(record[field])) return false;
    optional++;
  }
  if (Object.keys(record).length !== fields.length + optional) return false;
  for (const [field, check] of fields) {
    if (!Object.hasOwn(record, field) || !check(record[field])) return false;
  }
  return true;
}
