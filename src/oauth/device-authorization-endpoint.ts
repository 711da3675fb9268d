/**
 * POST /api/v1/oauth/device (RFC 8628 §3.1, §3.2): a client without a keyboard-friendly browser
 * asks for a device code; the person approves it on the verification page.
 */
import { normalizeScope } from '../access/normalize-scope.js';
import { isScopeSubset, parseScopeGrant } from '../access/scope-grant.js';
import { type Clock, nowSeconds } from '../clock.js';
import { digestSecret, generateRefId } from '../credentials/secrets.js';
import { InvalidClient, InvalidScope } from '../errors.js';
import type { EndpointHandler } from '../http/router.js';
import { readFormBody } from '../http/read-form-body.js';
import { sendJson } from '../http/send-json.js';
import type { Store } from '../store/store.js';
import { identifyClient } from './authenticate-client.js';
import type { CheckClientSecret } from './limit-client-secret-checks.js';
import { digestUserCode, generateDeviceCode, generateUserCode } from './device-codes.js';

/** Device grants' ids (and so their token families' ids) start so (account/device-actions.ts tells paired devices by it). */
export const deviceGrantIdPrefix = 'devc';

export interface DeviceAuthorizationDeps {
  store: Store;
  clock: Clock;
  bodyLimitBytes: number;
  verificationUri: string;
  deviceCodeTtlSeconds: number;
  pollIntervalSeconds: number;
  /** Client authentication behind the failure limiter. */
  checkClient: CheckClientSecret;
}

export function deviceAuthorizationEndpoint(deps: DeviceAuthorizationDeps): EndpointHandler {
  const { store, clock } = deps;
  return async ({ req, res }) => {
    const params = await readFormBody(req, deps.bodyLimitBytes);
    const client = await identifyClient(req, params, store, deps.checkClient);
    if (client === undefined) throw new InvalidClient({ description: 'client_id is required.' });
    const requested = params.get('scope');
    const scope = requested === undefined ? client.scope : normalizeScope(requested);
    if (scope === '' || !isScopeSubset(parseScopeGrant(scope), parseScopeGrant(client.scope))) {
      throw new InvalidScope({ description: 'The requested scope exceeds the client\'s scope.' });
    }
    const deviceCode = generateDeviceCode();
    let userCode = generateUserCode();
    while (await store.findGrantByUserCode(digestUserCode(userCode))) userCode = generateUserCode();
    const now = nowSeconds(clock);
    await store.addGrant({
      id: generateRefId().replace(/^sess/, deviceGrantIdPrefix),
      digest: digestSecret(deviceCode),
      kind: 'device_code',
      clientId: client.clientId,
      username: null,
      scope,
      redirectUri: null,
      codeChallenge: null,
      userCodeDigest: digestUserCode(userCode),
      status: 'pending',
      createdAt: now,
      expiresAt: now + deps.deviceCodeTtlSeconds,
      usedAt: null,
      lastPolledAt: null,
    });
    sendJson(res, 200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: deps.verificationUri,
      verification_uri_complete: `${deps.verificationUri}?user_code=${encodeURIComponent(userCode)}`,
      expires_in: deps.deviceCodeTtlSeconds,
      interval: deps.pollIntervalSeconds,
    });
  };
}
