/**
 * The parts of a session answer PhotoPrism's web UI reads beside photogate's token
 * (photoprism-web-ui.md §2, PRODUCT.md "PhotoPrism web UI"):
 * - `user`: the upstream user (its `UID`/`ID` go into upload and `users/<UID>/…` paths), with
 *   photogate's name, role and flags over it: `Name`/`DisplayName` = the photogate username,
 *   `Role`/`SuperAdmin` from the photogate role, `WebDAV`, `AuthProvider: local`, `AuthMethod`
 *   `2fa` when two-factor is on; photogate's own `username` and `role` stay for other clients;
 * - `provider`: `local` after a password sign-in (the UI then offers password change and
 *   two-factor), `application` after an app password (it does not: app passwords never manage
 *   accounts);
 * - `config`: the upstream's client config, fetched with the upstream credential.
 * Without an upstream identity (the upstream refused, or is not PhotoPrism) only photogate's
 * parts are sent.
 */
import type { UserRecord } from '../store/records.js';
import type { UpstreamIdentity } from './upstream-identity.js';

export interface SessionParts {
  user: Record<string, unknown>;
  provider: 'local' | 'application';
  config?: unknown;
}

export function photoprismSessionParts(user: UserRecord, viaAppPassword: boolean, upstream: UpstreamIdentity | undefined): SessionParts {
  const admin = user.role === 'admin';
  const own = {
    Name: user.username,
    DisplayName: user.username,
    Role: admin ? 'admin' : 'user',
    SuperAdmin: admin,
    CanLogin: true,
    WebDAV: user.webdav,
    AuthProvider: 'local',
    AuthMethod: user.twoFactor?.activatedAt != null ? '2fa' : 'default',
  };
  const parts: SessionParts = {
    user: { ...(upstream?.user ?? {}), ...own, username: user.username, role: user.role },
    provider: viaAppPassword ? 'application' : 'local',
  };
  if (upstream !== undefined && upstream.config !== undefined) parts.config = upstream.config;
  return parts;
}
