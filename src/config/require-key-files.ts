/**
 * The key files a configuration needs before anything starts: the two-factor key
 * (two-factor/key-file.ts) and the OpenID Connect key secret (oidc/key-secret.ts). With the
 * PostgreSQL store neither has a default place; both problems are reported at once, so an
 * operator fixes the configuration in one go.
 */
import { keySecretPath } from '../oidc/key-secret.js';
import { requireTwoFactorKeyFile } from '../two-factor/key-file.js';
import { ConfigError } from './load-config.js';
import type { Config } from './schema.js';

export function requireKeyFiles(config: Pick<Config, 'store' | 'twoFactor' | 'oidc'>, source: string): void {
  const problems: string[] = [];
  for (const check of [() => requireTwoFactorKeyFile(config, source), () => keySecretPath(config, source)]) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
}
