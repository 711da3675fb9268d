/**
 * Two-factor sign-in for photogate users (PRODUCT.md "two-factor", "account API"): setting it up
 * in the reference server's steps (set up → confirm a code → activate; deactivate), and checking
 * a sign-in code.
 *
 * - A code is accepted once: its TOTP time step is recorded with a compare-and-set in the store
 *   (Store.useTwoFactorStep), so the same code sent twice, even at once, works once.
 * - Recovery codes: a set of `recoveryCodeCount` (12 characters, 62 random bits each; why a
 *   SHA-256 digest suffices: credentials/secrets.ts), shown until activation, then kept only as
 *   digests; a new set can replace them (shown once). Each signs in once instead of a code: it is
 *   consumed with a compare-and-set (Store.useRecoveryCode), so one code sent twice at once works
 *   once. Unlike the reference server's single code, using one leaves two-factor on: the other
 *   codes still stand, and the account page shows how many are left.
 * - Failed codes are counted by the caller, in the same limits as passwords (oauth/sign-in.ts).
 * Secrets are sealed at rest (secret-box.ts). Pinned by test/integration/two-factor.test.ts.
 */
import { toDataURL } from 'qrcode';
import { type Clock, nowSeconds } from '../clock.js';
import { digestSecret, digestsEqual, generateRecoveryCode } from '../credentials/secrets.js';
import { InvalidRequest } from '../errors.js';
import { StoreConflict } from '../errors.js';
import type { TwoFactorRecord, UserRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { SecretBox } from './secret-box.js';
import { matchTotpStep, newTotpSecret, totpUri } from './totp.js';

/** The reference server's passcode answer (entity/passcode_json.go), plus the otpauth URI. */
export interface PasscodeView {
  Type: 'totp';
  /** Shown until activation, then empty. */
  Secret: string;
  /** A PNG data URI of the otpauth URI; empty after activation. */
  QRCode: string;
  /** The first recovery code (PhotoPrism's UI shows one), until activation (the last time); then empty. */
  RecoveryCode: string;
  /** Every recovery code, while they are shown (until activation); then empty. */
  RecoveryCodes: string[];
  VerifiedAt: string | null;
  ActivatedAt: string | null;
  URI: string;
}

/**
 * `ok`: a right code from the authenticator; `recovery`: a recovery code, now consumed; `used`:
 * right, but its time step (or the recovery code) was taken already (a replay).
 */
export type CodeCheck = 'ok' | 'recovery' | 'wrong' | 'used';

/** How many recovery codes a set holds. */
export const recoveryCodeCount = 10;

export interface TwoFactor {
  /** Whether this user's own password needs a code. */
  isOn(user: UserRecord): boolean;
  /** Checks a sign-in code of a user with two-factor on: a code from the authenticator, or a recovery code (consumed). */
  verify(user: UserRecord, code: string): Promise<CodeCheck>;
  setUp(user: UserRecord): Promise<PasscodeView>;
  confirm(user: UserRecord, code: string): Promise<PasscodeView | undefined>;
  activate(user: UserRecord): Promise<PasscodeView>;
  deactivate(user: UserRecord): Promise<void>;
  /** A new set of recovery codes in place of the old ones (two-factor on); only their digests are kept. */
  regenerateRecoveryCodes(user: UserRecord): Promise<string[]>;
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());
const normalizeRecovery = (code: string) => code.replace(/[\s-]/g, '').toLowerCase();

function newRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, generateRecoveryCode);
}

export function createTwoFactor(deps: { store: Store; clock: Clock; box: SecretBox; issuer: string }): TwoFactor {
  const { store, clock, box, issuer } = deps;

  async function view(user: UserRecord, record: TwoFactorRecord): Promise<PasscodeView> {
    const active = record.activatedAt !== null;
    const secret = active ? '' : await box.open(record.sealedSecret, user.username);
    const uri = active ? '' : totpUri(secret, issuer, user.username);
    const recovery = record.sealedRecoveryCodes === null ? [] : (await box.open(record.sealedRecoveryCodes, user.username)).split(' ');
    return {
      Type: 'totp',
      Secret: secret,
      QRCode: active ? '' : await toDataURL(uri),
      RecoveryCode: recovery[0] ?? '',
      RecoveryCodes: recovery,
      VerifiedAt: iso(record.verifiedAt),
      ActivatedAt: iso(record.activatedAt),
      URI: uri,
    };
  }

  function requireSetUp(user: UserRecord): TwoFactorRecord {
    if (!user.twoFactor) throw new InvalidRequest({ description: 'Two-factor sign-in is not set up.' });
    return user.twoFactor;
  }

  /** Takes the step `code` matches, once. */
  async function useCode(user: UserRecord, record: TwoFactorRecord, code: string): Promise<CodeCheck> {
    const step = matchTotpStep(await box.open(record.sealedSecret, user.username), code.trim(), clock.nowMs());
    if (step === undefined) return 'wrong';
    try {
      await store.useTwoFactorStep(user.username, step);
      return 'ok';
    } catch (error) {
      if (error instanceof StoreConflict) return 'used';
      throw error;
    }
  }

  /** Consumes the recovery code `code` is, if it is one of the user's. */
  async function useRecoveryCode(user: UserRecord, record: TwoFactorRecord, code: string): Promise<CodeCheck> {
    const normalized = normalizeRecovery(code);
    if (normalized.length !== 12) return 'wrong';
    const digest = digestSecret(normalized);
    // Every digest is compared (constant time each), so the time says nothing about which matched.
    const held = record.recoveryCodeDigests.reduce((found, candidate) => digestsEqual(digest, candidate) || found, false);
    if (!held) return 'wrong';
    try {
      await store.useRecoveryCode(user.username, digest);
      return 'recovery';
    } catch (error) {
      if (error instanceof StoreConflict) return 'used';
      throw error;
    }
  }

  return {
    isOn: (user) => user.twoFactor != null && user.twoFactor.activatedAt !== null,

    async verify(user, code) {
      const record = user.twoFactor;
      if (!record || record.activatedAt === null || code.trim() === '') return 'wrong';
      const check = await useCode(user, record, code);
      return check === 'wrong' ? useRecoveryCode(user, record, code) : check;
    },

    async setUp(user) {
      if (user.twoFactor?.activatedAt != null) throw new InvalidRequest({ description: 'Two-factor sign-in is on already; deactivate it first.' });
      const recovery = newRecoveryCodes();
      const record: TwoFactorRecord = {
        sealedSecret: await box.seal(newTotpSecret(), user.username),
        sealedRecoveryCodes: await box.seal(recovery.join(' '), user.username),
        recoveryCodeDigests: recovery.map(digestSecret),
        verifiedAt: null,
        activatedAt: null,
        lastStep: 0,
      };
      const updated = await store.updateUser(user.username, { twoFactor: record }, nowSeconds(clock));
      return view(updated, record);
    },

    async confirm(user, code) {
      const record = requireSetUp(user);
      if ((await useCode(user, record, code)) !== 'ok') return undefined;
      const fresh = (await store.findUser(user.username))?.twoFactor ?? record;
      const next = { ...fresh, verifiedAt: fresh.verifiedAt ?? nowSeconds(clock) };
      return view(await store.updateUser(user.username, { twoFactor: next }, nowSeconds(clock)), next);
    },

    async activate(user) {
      const record = requireSetUp(user);
      if (record.verifiedAt === null) throw new InvalidRequest({ description: 'Confirm a code from your authenticator app first.' });
      if (record.activatedAt !== null) return view(user, record);
      const shown = await view(user, { ...record, activatedAt: nowSeconds(clock) });
      const next = { ...record, activatedAt: nowSeconds(clock), sealedRecoveryCodes: null };
      await store.updateUser(user.username, { twoFactor: next }, nowSeconds(clock));
      return shown;
    },

    async deactivate(user) {
      requireSetUp(user);
      await store.updateUser(user.username, { twoFactor: null }, nowSeconds(clock));
    },

    async regenerateRecoveryCodes(user) {
      const record = requireSetUp(user);
      if (record.activatedAt === null) throw new InvalidRequest({ description: 'Two-factor sign-in is not on.' });
      const codes = newRecoveryCodes();
      const fresh = (await store.findUser(user.username))?.twoFactor ?? record;
      await store.updateUser(user.username, { twoFactor: { ...fresh, recoveryCodeDigests: codes.map(digestSecret) } }, nowSeconds(clock));
      return codes;
    },
  };
}
