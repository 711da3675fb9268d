/**
 * A user's remembered approval of a client (OIDC Core §3.1.2.4): once allowed, a later request
 * of the same client for no more than the approved scope needs no consent page, and
 * `prompt=none` can be answered. Kept as a grant of kind `consent` (no new store table): its
 * digest is that of `consent <user> <client>`, so `findGrantByDigest` is the lookup; it lives
 * `oidc.consentTtlSeconds`, goes with the user or the client like their other grants, and is
 * withdrawn by marking it denied.
 */
import { isScopeSubset, parseScopeGrant } from '../access/scope-grant.js';
import { normalizeScope } from '../access/normalize-scope.js';
import { type Clock, nowSeconds } from '../clock.js';
import { digestSecret, generateRefId } from '../credentials/secrets.js';
import { StoreConflict } from '../errors.js';
import type { GrantRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RememberedConsent {
  covers(username: string, clientId: string, scope: string): Promise<boolean>;
  remember(username: string, clientId: string, scope: string): Promise<void>;
  forget(username: string, clientId: string): Promise<void>;
}

const keyOf = (username: string, clientId: string) => digestSecret(`consent ${username.toLowerCase()} ${clientId}`);

export function createRememberedConsent(deps: { store: Store; clock: Clock; ttlSeconds: number }): RememberedConsent {
  const { store, clock } = deps;

  async function find(username: string, clientId: string): Promise<GrantRecord | undefined> {
    const grant = await store.findGrantByDigest(keyOf(username, clientId));
    return grant?.kind === 'consent' ? grant : undefined;
  }

  async function remember(username: string, clientId: string, scope: string, attempt = 0): Promise<void> {
    const now = nowSeconds(clock);
    const old = await find(username, clientId);
    const approved = old?.status === 'approved' && old.expiresAt > now ? `${old.scope} ${scope}` : scope;
    const patch = { status: 'approved' as const, scope: normalizeScope(approved), expiresAt: now + deps.ttlSeconds };
    try {
      if (old) await store.updateGrant(old.id, patch, [old.status]);
      else {
        await store.addGrant({
          id: generateRefId().replace(/^sess/, 'cons'), digest: keyOf(username, clientId), kind: 'consent', clientId, username,
          redirectUri: null, codeChallenge: null, userCodeDigest: null, createdAt: now, usedAt: null, lastPolledAt: null, ...patch,
        });
      }
    } catch (error) {
      // Another approval of the same pair got there first: merge into it.
      if (error instanceof StoreConflict && attempt < 3) return remember(username, clientId, scope, attempt + 1);
      throw error;
    }
  }

  return {
    remember: (username, clientId, scope) => remember(username, clientId, scope),
    async covers(username, clientId, scope) {
      const grant = await find(username, clientId);
      if (grant === undefined || grant.status !== 'approved' || grant.expiresAt <= nowSeconds(clock)) return false;
      return isScopeSubset(parseScopeGrant(scope), parseScopeGrant(grant.scope));
    },
    async forget(username, clientId) {
      const grant = await find(username, clientId);
      if (grant?.status === 'approved') await store.updateGrant(grant.id, { status: 'denied' }, ['approved']).catch(() => undefined);
    },
  };
}
