import { nowSeconds } from '../clock.js';
import { createPasswordHasher } from '../credentials/password-hash.js';
import { StoreConflict, UsageError } from '../errors.js';
import type { UserRecord } from '../store/records.js';
import { parseName, parseUserRole, parseUsername } from './cli-values.js';
import { createCommandGroup, type Subcommand, type SubcommandContext } from './command-group.js';
import { requireUser } from './require-record.js';
import { confirmAction, isInteractive, promptHidden } from './prompt.js';
import { formatFields, formatViews } from './table.js';

const minPasswordLength = 8;

/** What is shown of an account: never its password hash. */
export function userView(user: UserRecord) {
  return {
    username: user.username,
    role: user.role,
    webdav: user.webdav,
    two_factor: user.twoFactor?.activatedAt != null,
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
  ['Created At', 'created_at'],
  ['Updated At', 'updated_at'],
];

/** From --password, else asked twice on a terminal; never from a pipe (it would end up in shell history instead). */
async function readNewPassword(ctx: SubcommandContext): Promise<string> {
  let password = ctx.string('password');
  if (password === undefined) {
    if (!isInteractive(ctx.io)) throw new UsageError('--password is required when stdin is not a terminal');
    password = await promptHidden(ctx.io, 'Password: ');
    checkPassword(password);
    if ((await promptHidden(ctx.io, 'Repeat password: ')) !== password) throw new UsageError('passwords do not match');
  }
  checkPassword(password);
  return password;
}

function checkPassword(password: string): void {
  if (password.length < minPasswordLength) {
    throw new UsageError(`password must be at least ${minPasswordLength} characters`);
  }
}

const passwordOption = { password: { type: 'string' } } as const;
/** Claims for OpenID Connect clients (`profile`, `email` scopes). */
const profileOptions = { name: { type: 'string' }, email: { type: 'string' } } as const;
const profileHelp = `  --name NAME           display name, given to OpenID Connect apps with the profile scope
  --email ADDRESS       e-mail address, given to OpenID Connect apps with the email scope`;

function readProfile(ctx: SubcommandContext): { name?: string; email?: string } {
  const name = ctx.string('name');
  const email = ctx.string('email')?.trim();
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('invalid e-mail address');
  return { ...(name !== undefined && { name: parseName(name) }), ...(email !== undefined && { email }) };
}

const add: Subcommand = {
  name: 'add',
  usage: 'NAME [--password P] [--role admin|user] [--webdav|--no-webdav] [--name NAME] [--email ADDRESS]',
  summary: 'create an account',
  details: `Options:
  --password P          at least ${minPasswordLength} characters; asked for twice on a terminal when absent
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
      const passwordHash = await createPasswordHasher().hash(await readNewPassword(ctx));
      const now = nowSeconds(ctx.clock);
      await store.addUser({ username, role, webdav, passwordHash, ...profile, createdAt: now, updatedAt: now });
      ctx.audit({ event: 'user_changed', outcome: 'success', username, action: 'added', reason: `role ${role}` });
      ctx.print({ username, role, webdav }, () => formatViews([{ username, role, webdav }], columns.slice(0, 3)));
      return 0;
    });
  },
};

const ls: Subcommand = {
  name: 'ls',
  usage: '[SEARCH]',
  summary: 'list accounts',
  details: 'SEARCH matches the start of a username, or a role (admin, user).',
  positionals: ['[SEARCH]'],
  async run(ctx) {
    const search = ctx.positionals[0]?.toLowerCase();
    const users = await ctx.withStore((store) => store.listUsers());
    const views = users
      .filter((u) => search === undefined || u.username.startsWith(search) || u.role === search)
      .sort((a, b) => a.username.localeCompare(b.username))
      .map(userView);
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
  usage: 'NAME [--role admin|user] [--webdav|--no-webdav] [--name NAME] [--email ADDRESS] [--no-2fa]',
  summary: "change an account's role, WebDAV access, name or e-mail address, or turn two-factor sign-in off",
  details: `Options:
  --role admin|user
  --webdav, --no-webdav
${profileHelp}
  --no-2fa              turn the user's two-factor sign-in off (a lost authenticator and
                        recovery code); they set it up again themselves

Only the options given are changed. Changing the role does not change the WebDAV flag.`,
  options: { role: { type: 'string' }, webdav: { type: 'boolean' }, ...profileOptions, '2fa': { type: 'boolean' } },
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const role = ctx.string('role');
    const patch = {
      ...(role !== undefined && { role: parseUserRole(role) }),
      ...(ctx.flag('webdav') !== undefined && { webdav: ctx.flag('webdav') as boolean }),
      ...(ctx.flag('2fa') === false && { twoFactor: null }),
      ...readProfile(ctx),
    };
    if (ctx.flag('2fa') === true) throw new UsageError('two-factor sign-in is set up by the user (PhotoPrism\'s account settings or the account API); --no-2fa turns it off');
    if (Object.keys(patch).length === 0)
      throw new UsageError('nothing to change: give --role, --webdav, --no-webdav, --name, --email or --no-2fa');
    const user = await ctx.withStore(async (store) => {
      await requireUser(store, username);
      return store.updateUser(username, patch, nowSeconds(ctx.clock));
    });
    ctx.audit({ event: 'user_changed', outcome: 'success', username, action: 'modified', reason: Object.keys(patch).join(' ') });
    if (ctx.flag('2fa') === false) ctx.audit({ event: 'two_factor_changed', outcome: 'success', username, action: 'disabled' });
    const view = userView(user);
    ctx.print(view, () => formatFields(view));
    return 0;
  },
};

const passwd: Subcommand = {
  name: 'passwd',
  usage: 'NAME [--password P]',
  summary: "set an account's password",
  details: `Options:
  --password P   at least ${minPasswordLength} characters; asked for twice on a terminal when absent

App passwords of the account keep working.`,
  options: passwordOption,
  positionals: ['NAME'],
  async run(ctx) {
    const username = parseUsername(ctx.positionals[0] as string);
    const user = await ctx.withStore(async (store) => {
      await requireUser(store, username);
      const passwordHash = await createPasswordHasher().hash(await readNewPassword(ctx));
      return store.updateUser(username, { passwordHash }, nowSeconds(ctx.clock));
    });
    ctx.audit({ event: 'password_changed', outcome: 'success', username });
    const view = userView(user);
    ctx.print(view, () => `password changed for user "${username}"\n`);
    return 0;
  },
};

const rm: Subcommand = {
  name: 'rm',
  usage: 'NAME [--yes]',
  summary: 'delete an account with its app passwords, tokens and clients',
  details: 'Asks for confirmation on a terminal unless --yes is given.',
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
      await store.removeUser(username);
      ctx.audit({ event: 'user_changed', outcome: 'success', username, action: 'removed' });
      ctx.print({ username, removed: true }, () => `removed user "${username}"\n`);
      return 0;
    });
  },
};

export const usersCommand = createCommandGroup({
  name: 'users',
  summary: 'manage user accounts',
  subcommands: [add, ls, show, mod, passwd, rm],
});
