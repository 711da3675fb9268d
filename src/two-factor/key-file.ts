/**
 * Where the two-factor key file lies (secret-box.ts): `twoFactor.keyFile`, or beside the store
 * file (`<store.path>.key`). With the PostgreSQL store (`store.url`) there is no "beside": the
 * key must not land next to a `store.path` nobody uses, where each replica would make its own
 * and none could open the others' secrets. So `twoFactor.keyFile` is required there, and the
 * gateway refuses to start (ConfigError, the `start` and `check-config` message) without it.
 * Pinned by test/unit/two-factor/key-file.test.ts.
 */
import { ConfigError } from '../config/load-config.js';
import type { Config } from '../config/schema.js';

export function twoFactorKeyFile(store: Readonly<Config['store']>, twoFactor: Readonly<Config['twoFactor']>): string | undefined {
  if (twoFactor.keyFile !== undefined) return twoFactor.keyFile;
  return store.url === undefined ? `${store.path}.key` : undefined;
}

/** The key file of a gateway's configuration; a ConfigError saying what to set when it has none. */
export function requireTwoFactorKeyFile(config: Pick<Config, 'store' | 'twoFactor'>, source = 'configuration'): string {
  const keyFile = twoFactorKeyFile(config.store, config.twoFactor);
  if (keyFile !== undefined) return keyFile;
  throw new ConfigError(source, [
    'twoFactor.keyFile: required with store.url (the PostgreSQL store): the file holding the key that seals ' +
      'two-factor secrets, the same file on every replica (created 0600 when missing)',
  ]);
}
