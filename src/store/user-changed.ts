import type { UserRecord } from './records.js';

/** Whether a change to this user must evict what was cached for them. */
export function userChanged(old: UserRecord, next: UserRecord): boolean {
  return (
    old.passwordHash !== next.passwordHash ||
    old.role !== next.role ||
    old.webdav !== next.webdav ||
    (old.disabled === true) !== (next.disabled === true) ||
    (old.twoFactor?.activatedAt ?? null) !== (next.twoFactor?.activatedAt ?? null)
  );
}
