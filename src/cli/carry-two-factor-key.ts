/**
 * `store copy` and two-factor (issue 13 with issue 17): TOTP secrets are copied sealed, and they
 * open only with the key they were sealed with (two-factor/secret-box.ts). So when a copied user
 * has two-factor, the target's key file (key-file.ts: `twoFactor.keyFile`, else `<file>.key`)
 * must hold the source's key: the same file, or a copy of it made here (0600, never over a
 * different key). A target with no key file location (a postgres:// URL without
 * `twoFactor.keyFile`) or a source whose key cannot be read stops the copy before anything is
 * written, saying what to set. Pinned by test/integration/cli-store.test.ts.
 */
import { chmod, copyFile, constants, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { UserRecord } from '../store/records.js';

async function readKey(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Makes `to` hold the key of `from` when a user has two-factor; resolves to what it did, for the output. */
export async function carryTwoFactorKey(users: readonly UserRecord[], from: string | undefined, to: string | undefined): Promise<string | undefined> {
  const withTwoFactor = users.filter((user) => user.twoFactor);
  if (withTwoFactor.length === 0) return undefined;
  const who = `${withTwoFactor.length} user(s) with two-factor sign-in`;
  if (from === undefined) throw new UsageError(`${who}: set twoFactor.keyFile (or PHOTOGATE_TWO_FACTOR_KEY_FILE) to the key file of --from`, 1);
  const key = await readKey(from);
  if (key === undefined) throw new UsageError(`${who}, but their key file ${from} is missing: their two-factor secrets cannot be opened`, 1);
  if (to === undefined) {
    throw new UsageError(
      `${who}: their secrets are sealed with ${from}; set twoFactor.keyFile (or PHOTOGATE_TWO_FACTOR_KEY_FILE) to that file ` +
        '(or a copy of it), as the gateways on --to will, and copy again',
      1,
    );
  }
  if (resolve(from) === resolve(to)) return undefined;
  const existing = await readKey(to);
  if (existing === key) return undefined;
  if (existing !== undefined) throw new UsageError(`${who}: ${to} holds another key than ${from}; their two-factor secrets would not open`, 1);
  await copyFile(from, to, constants.COPYFILE_EXCL);
  await chmod(to, 0o600);
  return `copied the two-factor key file ${from} to ${to}\n`;
}
