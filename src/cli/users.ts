/**
 * `photogate users`: accounts, modelled on `photoprism users`. Adding, resetting passwords,
 * WebDAV, disabling, two-factor off and removing run the user admin actions, the same code as the
 * Users section of /account (cli-user-admin.ts); the other changes (role, name, e-mail) are
 * CLI-only patches.
 */
import { nowSeconds } from '../clock.js';
import { StoreConflict, UsageError } from '../errors.js';
import type { UserRecord } from '../store/records.js';
import { cliActor, userAdminFor } from './cli-user-admin.js';
import { parseUserRole, parseUsername } from './cli-values.js';
import { createCommandGroup, type Subcommand } from './command-group.js';
import { requireUser } from './require-record.js';
import { confirmAction } from './prompt.js';
import { formatFields, formatViews } from './table.js';
import { passwordHelp, passwordOption, profileHelp, profileOptions, readDisabled, readNewPassword, readProfile, shownOnce } from './user-options.js';
import { disableCommand, enableCommand, twoFactorCommand } from './user-switches.js';

/** What is shown of an account: never its password hash. */
export function userView(user: UserRecord) {
  return {
    username: user.username,
    role: user.role,
    webdav: user.webdav,
    two_factor: user.twoFactor?.activatedAt != null,
    disabled: user.disabled === true,
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.email === undefined ? {} : { email: user.email }),
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

const columns: [string, string][] = [
  ['Username', 'username'],
  ['Role', 'role'],
  ['WebDAV', 'webdav'],
  ['2FA', 'two_factor'],
  ['Disabled', 'disabled'],
  ['App Passwords', 'app_passwords'],
  ['Created At', 'created_at'],
  ['Updated At', 'updated_at'],
];

const add: Subcommand = {
  name: 'add',
  usage: 'NAME [--password P | --generate-password] [--role admin|user] [--webdav|--no-webdav] [--name NAME] [--email ADDRESS]',
  summary: 'create an account',
  details: `Options:
${passwordHelp}
  --role admin|user     default: user
  --webdav              may use WebDAV (admins may by default; --no-webdav to refuse)
${profileHelp}

NAME is lower-cased: 1 to 64 of a-z 0-9 . _ @ -, starting with a letter or digit.`,
  options: { ...passwordOption, ...profileOptions, role: { type: 'string' }, webdav: { type: 'boolean' } },
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const role = parseUserRole(ctx.string('role') ?? 'user');
    const webdav = ctx.flag('webdav') ?? role === 'admin';
    const profile = readProfile(ctx);
    return ctx.withStore(async (store) => {
      if (await store.findUser(username)) throw new StoreConflict(`user "${username}" already exists`);
      const password = await readNewPassword(ctx);
      const { generatedPassword } = await userAdminFor(ctx, store).addUser(cliActor, { username, role, webdav, password, ...profile });
      const shown = { username, role, webdav, ...(generatedPassword !== undefined && { password: generatedPassword }) };
      ctx.print(shown, () => formatViews([shown], [...columns.slice(0, 3), ...(generatedPassword === undefined ? [] : [['Password', 'password'] as [string, string]])]) + shownOnce(generatedPassword));
      return 0;
    });
  },
};

const ls: Subcommand = {
  name: 'ls',
  usage: '[SEARCH]',
  summary: 'list accounts',
  details: 'SEARCH matches the start of a username, a role (admin, user), or the word "disabled".',
  positionals: ['[SEARCH]'],
  async run(ctx) {
    const search = ctx.positionals[0]?.toLowerCase();
    const [users, summaries] = await ctx.withStore(async (store) => [await store.listUsers(), await userAdminFor(ctx, store).listUsers()] as const);
    const appPasswords = new Map(summaries.map((summary) => [summary.username, summary.appPasswords]));
    const views = users
      .filter((u) => search === undefined || u.username.startsWith(search) || u.role === search || (search === 'disabled' && u.disabled === true))
      .sort((a, b) => a.username.localeCompare(b.username))
      .map((user) => ({ ...userView(user), app_passwords: appPasswords.get(user.username) ?? 0 }));
    ctx.print(views, () => formatViews(views, columns));
    return 0;
  },
};

const show: Subcommand = {
  name: 'show',
  usage: 'NAME',
  summary: "show an account's details",
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const view = userView(await ctx.withStore((store) => requireUser(store, username)));
    ctx.print(view, () => formatFields(view));
    return 0;
  },
};

const mod: Subcommand = {
  name: 'mod',
  usage: 'NAME [--role admin|user] [--webdav|--no-webdav] [--disable|--enable] [--name NAME] [--email ADDRESS] [--no-2fa]',
  summary: "change an account's role, WebDAV access, name or e-mail address, disable or enable it, or turn two-factor sign-in off",
  details: `Options:
  --role admin|user
  --webdav, --no-webdav
  --disable             refuse every password, app password, token and session of the user from
                        their next request on (sessions end; app passwords are kept); not the
                        last enabled admin (same as \`users disable NAME\`)
  --enable              let them in again (same as \`users enable NAME\`)
${profileHelp}
  --no-2fa              turn the user's two-factor sign-in off (a lost authenticator and
                        recovery code); they set it up again themselves (same as
                        \`users 2fa off NAME\`)

Only the options given are changed. Changing the role does not change the WebDAV flag.`,
  options: {
    role: { type: 'string' }, webdav: { type: 'boolean' }, ...profileOptions, '2fa': { type: 'boolean' }, disable: { type: 'boolean' }, enable: { type: 'boolean' },
  },
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const role = ctx.string('role');
    const patch = { ...(role !== undefined && { role: parseUserRole(role) }), ...readProfile(ctx) };
    const webdav = ctx.flag('webdav');
    const disabled = readDisabled(ctx);
    const twoFactorOff = ctx.flag('2fa') === false;
    if (ctx.flag('2fa') === true) throw new UsageError('two-factor sign-in is set up by the user (PhotoPrism\'s account settings or the account API); --no-2fa turns it off');
    if (Object.keys(patch).length === 0 && webdav === undefined && disabled === undefined && !twoFactorOff)
      throw new UsageError('nothing to change: give --role, --webdav, --no-webdav, --disable, --enable, --name, --email or --no-2fa');
    const user = await ctx.withStore(async (store) => {
      await requireUser(store, username);
      const actions = userAdminFor(ctx, store);
      // First what may be refused (the last admin), so a refusal changes nothing.
      if (disabled !== undefined) await actions.setDisabled(cliActor, username, disabled);
      if (Object.keys(patch).length > 0) {
        await store.updateUser(username, patch, nowSeconds(ctx.clock));
        ctx.audit({ event: 'user_changed', outcome: 'success', username, action: 'modified', reason: Object.keys(patch).join(' ') });
      }
      if (webdav !== undefined) await actions.setWebdav(cliActor, username, webdav);
      if (twoFactorOff) await actions.turnOffTwoFactor(cliActor, username);
      return requireUser(store, username);
    });
    const view = userView(user);
    ctx.print(view, () => formatFields(view));
    return 0;
  },
};

const passwd: Subcommand = {
  name: 'passwd',
  usage: 'NAME [--password P | --generate-password]',
  summary: "set an account's password",
  details: `Options:
${passwordHelp}

The user's sessions and refresh tokens end (every browser and app signs in again);
their app passwords keep working.`,
  options: passwordOption,
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const { user, generatedPassword } = await ctx.withStore(async (store) => {
      await requireUser(store, username);
      return userAdminFor(ctx, store).resetPassword(cliActor, username, await readNewPassword(ctx));
    });
    const view = { ...userView(user), ...(generatedPassword !== undefined && { password: generatedPassword }) };
    ctx.print(view, () => `password changed for user "${username}"\n${generatedPassword === undefined ? '' : `new password: ${generatedPassword}\n`}${shownOnce(generatedPassword)}`);
    return 0;
  },
};

const rm: Subcommand = {
  name: 'rm',
  usage: 'NAME [--yes]',
  summary: 'delete an account with its app passwords, tokens and clients',
  details: 'Asks for confirmation on a terminal unless --yes is given. Not the last enabled admin.',
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    return ctx.withStore(async (store) => {
      await requireUser(store, username);
      if (
        !(await confirmAction(
          ctx.io,
          ctx.flag('yes'),
          `Delete user "${username}" with their app passwords, tokens and clients?`,
        ))
      )
        return 1;
      await userAdminFor(ctx, store).removeUser(cliActor, username);
      ctx.print({ username, removed: true }, () => `removed user "${username}"\n`);
      return 0;
    });
  },
};

export const usersCommand = createCommandGroup({
  name: 'users',
  summary: 'manage user accounts',
  subcommands: [add, ls, show, mod, passwd, rm, disableCommand, enableCommand, twoFactorCommand],
});
