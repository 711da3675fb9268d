/**
 * The `sub` of ID tokens and userinfo (OIDC Core §2, §5.7): the user's stable `id`, never the
 * username, so it stays the same if the username changes and is not reused by a new account of
 * the same name. Users added before ids existed get one derived from their name and creation
 * time, the same in every process, until a write stores a real one.
 */
import { createHash } from 'node:crypto';
import type { UserRecord } from '../store/records.js';

export function subjectOf(user: Pick<UserRecord, 'id' | 'username' | 'createdAt'>): string {
  if (user.id !== undefined) return user.id;
  return `u${createHash('sha256').update(`photogate-user:${user.username}:${user.createdAt}`).digest('hex').slice(0, 24)}`;
}
