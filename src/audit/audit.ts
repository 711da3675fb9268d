/**
 * The audit trail: one structured event per security decision, apart from the request log.
 * Events are JSON lines under the logger name `photogate.audit` (on stderr with the other logs,
 * or appended to `log.auditFile`, where the CLI's changes go too). Each says what (`event`), the
 * `outcome`, who (`username`, `credential` = public reference id, `client_id`), from where
 * (`address`, or `cli`) and why (`reason`, a fixed word, never free text from a request).
 *
 * The fields are a closed set of names and identifiers: no event can carry a password, token,
 * secret or digest, because AuditEvent has no field for one. To record a new kind, add it to
 * `auditEventKinds` (and docs/audit.md; test/unit/docs/audit-kinds.test.ts checks both), then call
 * `audit.record({ event: 'kind', ... })` with the `audit` dependency you were given.
 */
import type { Logger } from '../logger.js';

export const auditEventKinds = [
  /** A person signed in with username + password (session API, login and device pages, password grant). */
  'sign_in',
  /** A password, app password or token offered to a proxied request, /metrics or userinfo was refused. */
  'credential_rejected',
  /** Too many failures from an address or against an account: refused before checking (429). */
  'lockout',
  /** The token endpoint or the session API issued a token (`grant` names how). */
  'token_issued',
  /** The token endpoint refused a grant (bad code, refresh token, device code, client). */
  'token_refused',
  /** A refresh token was used again after rotation: its whole family was revoked. */
  'refresh_token_reuse',
  /** A token, app password or session was revoked (revocation endpoint, session DELETE, CLI, account page). */
  'token_revoked',
  /** An app password or access token was created by the CLI. */
  'credential_created',
  /** A user's password was changed. */
  'password_changed',
  /** Two-factor authentication was enabled, disabled or reset for a user. */
  'two_factor_changed',
  /** A user was added, modified or removed. */
  'user_changed',
  /** An OAuth client was added, modified (secret regenerated, enabled, disabled) or removed. */
  'client_changed',
  /** A request path was refused by the canonical-path rules (dot segments, encoded slashes...). */
  'path_refused',
] as const;

export type AuditEventKind = (typeof auditEventKinds)[number];

export interface AuditEvent {
  event: AuditEventKind;
  outcome: 'success' | 'failure';
  /** The account acted on or for. */
  username?: string | null | undefined;
  /** The public reference id of the credential used or affected (never the secret). */
  credential?: string | null | undefined;
  client_id?: string | null | undefined;
  /** The client's address as the gateway sees it (trusted proxies applied), or `cli`. */
  address?: string | null | undefined;
  /** Who acted, when it is not the account itself: `cli:<system user>` for the CLI. */
  actor?: string | undefined;
  /** What happened, in a few fixed words: `added`, `removed`, `wrong password`, `reuse`... */
  action?: string | undefined;
  reason?: string | undefined;
  /** How: a grant type, a credential kind, an endpoint path. */
  via?: string | undefined;
  /** The canonical or refused path, for path events (never a query). */
  path?: string | undefined;
}

export interface Audit {
  record(event: AuditEvent): void;
}

/** For tests and commands that keep no trail. */
export const noAudit: Audit = { record() {} };

/** Writes each event as one info line of `logger` (a logger named `photogate.audit`). */
export function createAudit(logger: Logger): Audit {
  return {
    record(event) {
      logger.info(event, 'audit');
    },
  };
}
