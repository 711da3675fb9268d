/**
 * The grant types the token endpoint accepts, by `grant_type`. Discovery advertises exactly the
 * keys of this registry, so a grant is offered if and only if it is registered here.
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/schema.js';
import type { IssueIdToken } from '../../oidc/id-tokens.js';
import type { Store } from '../../store/store.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { deviceCodeGrant } from './device-code.js';
import type { Grant } from './grant.js';
import { refreshTokenGrant } from './refresh-token.js';

export function createGrantRegistry(
  config: Config,
  store: Store,
  clock: Clock,
  extra: readonly Grant[] = [],
  issueIdToken?: IssueIdToken,
): ReadonlyMap<string, Grant> {
  const lifetimes = {
    accessTokenTtlSeconds: config.oauth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.oauth.refreshTokenTtlSeconds,
    issueIdToken,
  };
  const grants: Grant[] = [
    authorizationCodeGrant(store, clock, lifetimes),
    clientCredentialsGrant(store, clock),
    deviceCodeGrant(store, clock, { ...lifetimes, pollIntervalSeconds: config.oauth.devicePollIntervalSeconds }),
    refreshTokenGrant(store, clock, { ...lifetimes, graceSeconds: config.oauth.refreshGraceSeconds }),
    ...extra,
  ];
  return new Map(grants.map((grant) => [grant.type, grant]));
}
