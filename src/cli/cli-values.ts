/**
 * Parsing what people type into the values the store holds. Every function throws UsageError
 * (exit 2) with a one-line reason; none echoes more than the value it rejects, and those values
 * are never secrets.
 */
import { randomBytes } from 'node:crypto';
import { usernamePattern } from '../account/user-admin-actions.js';
import { isValidScopeToken, normalizeScope } from '../access/normalize-scope.js';
import { redirectUriProblem } from '../oauth/redirect-uri.js';
import { type ClientRole, clientRoles, type UserRole, userRoles } from '../store/records.js';
import { UsageError } from '../errors.js';

export function parseUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!usernamePattern.test(username)) {
    throw new UsageError('invalid username: use 1 to 64 of a-z 0-9 . _ @ -, starting with a letter or digit');
  }
  return username;
}

function parseChoice<T extends string>(what: string, choices: readonly T[], raw: string): T {
  const value = raw.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`invalid ${what} "${raw}" (expected ${choices.join(' or ')})`);
  }
  return value as T;
}

export const parseUserRole = (raw: string): UserRole => parseChoice('role', userRoles, raw);
export const parseClientRole = (raw: string): ClientRole => parseChoice('role', clientRoles, raw);

/** Normalised; every token `*`, `read`, `write` or a resource name; never empty. */
export function parseScope(raw: string): string {
  const scope = normalizeScope(raw);
  if (scope === '') throw new UsageError('scope must not be empty');
  const bad = scope.split(' ').find((token) => !isValidScopeToken(token));
  if (bad !== undefined) throw new UsageError(`invalid scope "${bad}" (expected *, read, write or resource names)`);
  return scope;
}

export function parseName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new UsageError('name must not be empty');
  if (name.length > 200) throw new UsageError('name must be at most 200 characters');
  return name;
}

export function parseInteger(flag: string, raw: string): number {
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  return value;
}

/** A hundred years: longer is a typo, and would overflow dates. */
export const maxLifetimeSeconds = 3_155_760_000;

/** `auth add -e`: seconds from now, or null (never) for 0 and -1. */
export function parseTokenLifetime(raw: string): number | null {
  const seconds = parseInteger('--expires', raw);
  if (seconds < -1 || seconds > maxLifetimeSeconds) {
    throw new UsageError(`--expires must be 1 to ${maxLifetimeSeconds} seconds, or 0 or -1 for never`);
  }
  return seconds <= 0 ? null : seconds;
}

/** `clients -e`: the lifetime of the client's access tokens, at least one second. */
export function parseClientTokenTtl(raw: string): number {
  const seconds = parseInteger('--expires', raw);
  if (seconds < 1 || seconds > maxLifetimeSeconds) {
    throw new UsageError(`--expires must be 1 to ${maxLifetimeSeconds} seconds`);
  }
  return seconds;
}

/** `clients -t`: how many tokens a client keeps, -1 for unlimited; 0 would keep none. */
export function parseTokenLimit(raw: string): number {
  const limit = parseInteger('--tokens', raw);
  if (limit === 0 || limit < -1) throw new UsageError('--tokens must be at least 1, or -1 for unlimited');
  return limit;
}

/** For `auth add` and `clients add` without -n: a label, not a prompt. */
export function generateName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * `clients --redirect-uri`: kept exactly as given, since the authorization endpoint compares
 * redirect URIs as strings (RFC 6749 §3.1.2.3); the rules are oauth/redirect-uri.ts's.
 */
export function parseRedirectUri(raw: string): string {
  const problem = redirectUriProblem(raw);
  if (problem !== undefined) throw new UsageError(`invalid redirect URI ${JSON.stringify(raw)}: ${problem}`);
  return raw;
}

/** Each of them checked; repeats dropped. */
export function parseRedirectUris(raws: readonly string[]): string[] {
  return [...new Set(raws.map(parseRedirectUri))];
}
