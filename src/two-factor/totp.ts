/**
 * TOTP (RFC 6238) through the `otpauth` library: SHA-1, 6 digits, 30 s steps, the parameters
 * every authenticator app supports and PhotoPrism uses. A code is accepted one step either side
 * of now (RFC 6238 §5.2 allows for clock drift); the step it matched is returned so that the
 * caller can refuse it a second time.
 */
import { Secret, TOTP } from 'otpauth';

const period = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, issuer: string, username: string): TOTP {
  return new TOTP({ issuer, label: username, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });
}

/**
 * The `otpauth://totp/…` URI authenticator apps scan. A colon separates issuer and account in its
 * label (Google's Key Uri Format, encoded or not), so one in the issuer (a host with a port)
 * would move the port into the account name: it becomes a space.
 */
export function totpUri(secret: string, issuer: string, username: string): string {
  return totpFor(secret, issuer.replaceAll(':', ' '), username).toString();
}

/** The time step `code` is valid for at `nowMs` (±1 step), or undefined. */
export function matchTotpStep(secret: string, code: string, nowMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = totpFor(secret, 'photogate', 'user');
  const delta = totp.validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? undefined : totp.counter({ timestamp: nowMs }) + delta;
}

/** For tests and the CLI: the code of `nowMs`. */
export function totpCode(secret: string, nowMs: number): string {
  return totpFor(secret, 'photogate', 'user').generate({ timestamp: nowMs });
}
