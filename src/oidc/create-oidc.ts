/**
 * The OpenID Connect parts, built once per gateway from the config: signing keys (their
 * encryption secret read on first use), the ID token issuer the grants use, the browser sessions
 * (shared with /account) and remembered consents for the authorize page.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import { type BrowserSessions, createBrowserSessions } from './browser-session.js';
import { createIdTokenIssuer, type IssueIdToken } from './id-tokens.js';
import { keySecretPath, readOrCreateKeySecret } from './key-secret.js';
import { createRememberedConsent, type RememberedConsent } from './remembered-consent.js';
import { createSigningKeys, type SigningKeys } from './signing-keys.js';

export interface Oidc {
  keys: SigningKeys;
  issueIdToken: IssueIdToken;
  sessions: BrowserSessions;
  consent: RememberedConsent;
}

/** The signing keys as the configuration describes them; the gateway, `start` and `keys rotate` share this. */
export function signingKeysFor(config: Config, store: Store, clock: Clock): SigningKeys {
  const secretPath = keySecretPath(config);
  return createSigningKeys({
    store,
    clock,
    alg: config.oidc.signingAlg,
    secret: () => readOrCreateKeySecret(secretPath),
    idTokenTtlSeconds: config.oidc.idTokenTtlSeconds,
  });
}

export function createOidc(config: Config, deps: { store: Store; clock: Clock; issuer: string }): Oidc {
  const { store, clock, issuer } = deps;
  const keys = signingKeysFor(config, store, clock);
  return {
    keys,
    issueIdToken: createIdTokenIssuer({ store, clock, keys, issuer, ttlSeconds: config.oidc.idTokenTtlSeconds }),
    // The one browser session of the sign-in page and /account (browser-session.ts).
    sessions: createBrowserSessions({ store, clock, secure: issuer.startsWith('https:'), ttlSeconds: config.account.sessionTtlSeconds, path: '/' }),
    consent: createRememberedConsent({ store, clock, ttlSeconds: config.oidc.consentTtlSeconds }),
  };
}
