/**
 * RFC 8628 §3.4, §3.5: the device polls with its device_code until the person has approved
 * (tokens), denied (access_denied) or the code expired (expired_token); polling faster than the
 * interval gets slow_down. Approved codes are redeemed once.
 */
import { type Clock, nowSeconds } from '../../clock.js';
import { digestSecret } from '../../credentials/secrets.js';
import { GatewayError, InvalidGrant, InvalidRequest, StoreConflict } from '../../errors.js';
import { findActiveUser } from '../../store/find-active-user.js';
import type { Store } from '../../store/store.js';
import { signInFieldsOf } from '../../credentials/issue-credential.js';
import { issueTokenPair } from '../issue-token-pair.js';
import type { TokenLifetimes } from './authorization-code.js';
import type { Grant } from './grant.js';

export const deviceCodeGrantType = 'urn:ietf:params:oauth:grant-type:device_code';

/** §3.5 error codes share RFC 6749 §5.2's shape and status. */
const pollError = (code: string, description: string) => new GatewayError(400, code, { description });

export function deviceCodeGrant(store: Store, clock: Clock, lifetimes: TokenLifetimes & { pollIntervalSeconds: number }): Grant {
  return {
    type: deviceCodeGrantType,
    requiresClient: true,
    async issue({ client, params }) {
      const deviceCode = params.get('device_code');
      if (!deviceCode) throw new InvalidRequest({ description: 'device_code is required.' });
      const grant = await store.findGrantByDigest(digestSecret(deviceCode));
      const now = nowSeconds(clock);
      if (grant === undefined || grant.kind !== 'device_code' || grant.clientId !== client?.clientId) {
        throw new InvalidGrant({ description: 'The device code is invalid.' });
      }
      if (grant.expiresAt <= now) throw pollError('expired_token', 'The device code has expired; start again.');
      if (grant.status === 'denied') throw pollError('access_denied', 'The request was denied.');
      if (grant.status === 'used') {
        await store.removeTokenFamily(grant.id);
        throw new InvalidGrant({ description: 'The device code was already used.' });
      }
      if (grant.status === 'pending') {
        const tooSoon = grant.lastPolledAt !== null && now - grant.lastPolledAt < lifetimes.pollIntervalSeconds;
        await store.updateGrant(grant.id, { lastPolledAt: now }, ['pending']).catch(() => undefined);
        if (tooSoon) throw pollError('slow_down', `Poll at most every ${lifetimes.pollIntervalSeconds} seconds.`);
        throw pollError('authorization_pending', 'The user has not yet approved the request.');
      }
      if ((await findActiveUser(store, grant.username ?? '')) === undefined) throw new InvalidGrant({ description: 'The device code is invalid.', detail: 'user removed or disabled' });
      try {
        await store.updateGrant(grant.id, { status: 'used', usedAt: now }, ['approved']);
      } catch (error) {
        if (error instanceof StoreConflict) throw new InvalidGrant({ description: 'The device code was already used.' });
        throw error;
      }
      return issueTokenPair(store, clock, {
        clientId: client.clientId,
        clientName: client.name,
        username: grant.username as string,
        scope: grant.scope,
        familyId: grant.id,
        grantType: deviceCodeGrantType,
        // How the approving person signed in (device-verification-endpoint.ts): the tokens' and ID token's amr.
        signIn: signInFieldsOf(grant),
        accessTokenTtlSeconds: lifetimes.accessTokenTtlSeconds,
        refreshTokenTtlSeconds: lifetimes.refreshTokenTtlSeconds,
        issueIdToken: lifetimes.issueIdToken,
      });
    },
  };
}
