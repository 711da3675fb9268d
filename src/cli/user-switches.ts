/**
 * `users disable NAME`, `users enable NAME` and `users 2fa off NAME` (the lost-phone case): the
 * switches an admin flips on the Users section of /account, through the same actions
 * (cli-user-admin.ts). `users mod NAME --disable|--enable|--no-2fa` does the same.
 */
import { UsageError } from '../errors.js';
import type { UserRecord } from '../store/records.js';
import { cliActor, userAdminFor } from './cli-user-admin.js';
import { parseUsername } from './cli-values.js';
import type { Subcommand, SubcommandContext } from './command-group.js';
import { requireUser } from './require-record.js';
import { formatFields } from './table.js';

type Switch = (ctx: SubcommandContext, username: string) => Promise<UserRecord>;

async function flip(ctx: SubcommandContext, username: string, change: Switch, said: string): Promise<number> {
  const user = await change(ctx, username);
  const view = { username: user.username, role: user.role, webdav: user.webdav, two_factor: user.twoFactor?.activatedAt != null, disabled: user.disabled === true };
  ctx.print(view, () => `${said}\n${formatFields(view)}`);
  return 0;
}

const setDisabled = (disabled: boolean): Switch => (ctx, username) =>
  ctx.withStore(async (store) => {
    await requireUser(store, username);
    return userAdminFor(ctx, store).setDisabled(cliActor, username, disabled);
  });

export const disableCommand: Subcommand = {
  name: 'disable',
  usage: 'NAME',
  summary: 'refuse every credential of an account until it is enabled again',
  details: `Every password, app password, token and session of the user is refused from their next
request on, with the answer a wrong credential gets; sessions and refresh tokens end, app
passwords are kept for \`users enable\`. The last enabled admin cannot be disabled.`,
  positionals: ['NAME'],
  run: (ctx) => {
    const username = parseUsername(ctx.positionals[0] as string);
    return flip(ctx, username, setDisabled(true), `disabled user "${username}"`);
  },
};

export const enableCommand: Subcommand = {
  name: 'enable',
  usage: 'NAME',
  summary: 'let a disabled account in again (its app passwords work again)',
  positionals: ['NAME'],
  run: (ctx) => {
    const username = parseUsername(ctx.positionals[0] as string);
    return flip(ctx, username, setDisabled(false), `enabled user "${username}"`);
  },
};

export const twoFactorCommand: Subcommand = {
  name: '2fa',
  usage: 'off NAME',
  summary: "turn an account's two-factor sign-in off (a lost authenticator and recovery code)",
  details: `The user signs in with their password alone and sets two-factor up again themselves
(on /account or in PhotoPrism's account settings). Same as \`users mod NAME --no-2fa\`.`,
  positionals: ['off', 'NAME'],
  run: (ctx) => {
    if (ctx.positionals[0] !== 'off') throw new UsageError('only "2fa off NAME": two-factor sign-in is set up by the user');
    const username = parseUsername(ctx.positionals[1] as string);
    const turnOff: Switch = (c, name) =>
      c.withStore(async (store) => {
        await requireUser(store, name);
        return userAdminFor(c, store).turnOffTwoFactor(cliActor, name);
      });
    return flip(ctx, username, turnOff, `two-factor sign-in is off for user "${username}"`);
  },
};
