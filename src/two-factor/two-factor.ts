/**
 * Two-factor sign-in for photogate users (PRODUCT.md "two-factor", "account API"): setting it up
 * in the reference server's steps (set up → confirm a code → activate; deactivate), and checking
 * a sign-in code.
 *
 * - A code is accepted once: its TOTP time step is recorded with a compare-and-set in the store
 *   (Store.useTwoFactorStep), so the same code sent twice, even at once, works once.
 * - The recovery code (12 characters, 62 random bits, shown until activation, then kept only as a
 *   SHA-256 digest: online guesses are limited like passwords, and it is useless without the
 *   password) signs in instead of a code and turns two-factor off, as in the reference server.
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
  /** Shown until activation (the last time), then empty. */
  RecoveryCode: string;
  VerifiedAt: string | null;
  ActivatedAt: string | null;
  URI: string;
}

/** `used`: right for now, but its time step was taken already (a replay). */
export type CodeCheck = 'ok' | 'wrong' | 'used';

export interface TwoFactor {
  /** Whether this user's own password needs a code. */
  isOn(user: UserRecord): boolean;
  /** Checks a sign-in code of a user with two-factor on; the recovery code also turns it off. */
  verify(user: UserRecord, code: string): Promise<CodeCheck>;
  setUp(user: UserRecord): Promise<PasscodeView>;
  confirm(user: UserRecord, code: string): Promise<PasscodeView | undefined>;
  activate(user: UserRecord): Promise<PasscodeView>;
  deactivate(user: UserRecord): Promise<void>;
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());
const normalizeRecovery = (code: string) => code.replace(/[\s-]/g, '').toLowerCase();

export function createTwoFactor(deps: { store: Store; clock: Clock; box: SecretBox; issuer: string }): TwoFactor {
  const { store, clock, box, issuer } = deps;

  async function view(user: UserRecord, record: TwoFactorRecord): Promise<PasscodeView> {
    const active = record.activatedAt !== null;
    const secret = active ? '' : await box.open(record.sealedSecret, user.username);
    const uri = active ? '' : totpUri(secret, issuer, user.username);
    return {
      Type: 'totp',
      Secret: secret,
      QRCode: active ? '' : await toDataURL(uri),
      RecoveryCode: record.sealedRecoveryCode === null ? '' : await box.open(record.sealedRecoveryCode, user.username),
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

  return {
    isOn: (user) => user.twoFactor != null && user.twoFactor.activatedAt !== null,

    async verify(user, code) {
      const record = user.twoFactor;
      if (!record || record.activatedAt === null || code.trim() === '') return 'wrong';
      const check = await useCode(user, record, code);
      if (check !== 'wrong') return check;
      const recovery = normalizeRecovery(code);
      if (recovery.length === 12 && digestsEqual(digestSecret(recovery), record.recoveryCodeDigest)) {
        await store.updateUser(user.username, { twoFactor: null }, nowSeconds(clock));
        return 'ok';
      }
      return 'wrong';
    },

    async setUp(user) {
      if (user.twoFactor?.activatedAt != null) throw new InvalidRequest({ description: 'Two-factor sign-in is on already; deactivate it first.' });
      const recovery = generateRecoveryCode();
      const record: TwoFactorRecord = {
        sealedSecret: await box.seal(newTotpSecret(), user.username),
        sealedRecoveryCode: await box.seal(recovery, user.username),
        recoveryCodeDigest: digestSecret(recovery),
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
      const next = { ...record, activatedAt: nowSeconds(clock), sealedRecoveryCode: null };
      await store.updateUser(user.username, { twoFactor: next }, nowSeconds(clock));
      return shown;
    },

    async deactivate(user) {
      requireSetUp(user);
      await store.updateUser(user.username, { twoFactor: null }, nowSeconds(clock));
    },
  };
}
