import { nowSeconds } from '../clock.js';
import { issueCredential } from '../credentials/issue-credential.js';
import type { TokenRecord } from '../store/records.js';
import { generateName, parseName, parseScope, parseTokenLifetime, parseUsername } from './cli-values.js';
import { createCommandGroup, type Subcommand } from './command-group.js';
import { confirmAction } from './prompt.js';
import { requireToken, requireUser } from './require-record.js';
import { formatCell, formatFields, formatTable, formatViews } from './table.js';

/** What is shown of a token: its public reference id, never the secret or its digest. */
export function tokenView(token: TokenRecord) {
  return {
    id: token.id,
    kind: token.kind,
    name: token.name,
    username: token.username,
    client_id: token.clientId,
    scope: token.scope,
    grant_type: token.grantType,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    /** Written by the gateway at most every 30 s (credentials/token-usage.ts); null: never used. */
    last_used_at: token.lastUsedAt ?? null,
    last_used_from: token.lastUsedFrom ?? null,
  };
}

const columns: [string, string][] = [
  ['ID', 'id'],
  ['Kind', 'kind'],
  ['Name', 'name'],
  ['User', 'username'],
  ['Client', 'client_id'],
  ['Scope', 'scope'],
  ['Created At', 'created_at'],
  ['Expires At', 'expires_at'],
  ['Last Used At', 'last_used_at'],
  ['Last Used From', 'last_used_from'],
];

const add: Subcommand = {
  name: 'add',
  usage: '[USERNAME] [-n NAME] [-s SCOPES] [-e SECONDS]',
  summary: 'create an app password for a user, or an access token without one',
  details: `Options:
  -n, --name NAME       a label for the application (default: generated)
  -s, --scope SCOPES    e.g. "webdav" or "photos albums"; "*" allows everything (default: *)
  -e, --expires SECONDS lifetime; 0 or -1 = never (default: config tokens.cliTokenTtlSeconds, 1 year)

With USERNAME: an app password for that user (WebDAV, Basic auth, sessions).
Without: an access token that belongs to no user (never reaches WebDAV).
The secret is printed once; only its SHA-256 digest is stored.`,
  options: {
    name: { type: 'string', short: 'n' },
    scope: { type: 'string', short: 's' },
    expires: { type: 'string', short: 'e' },
  },
  positionals: ['[USERNAME]'],
  async run(ctx) {
    const given = ctx.positionals[0];
    const username = given === undefined ? null : parseUsername(given);
    const kind = username === null ? 'access_token' : 'app_password';
    const nameFlag = ctx.string('name');
    const name = nameFlag === undefined ? generateName(username === null ? 'token' : 'app') : parseName(nameFlag);
    const scope = parseScope(ctx.string('scope') ?? '*');
    const expiresFlag = ctx.string('expires');
    const explicitTtl = expiresFlag === undefined ? undefined : parseTokenLifetime(expiresFlag);
    return ctx.withStore(async (store, config) => {
      const configTtl = config.tokens.cliTokenTtlSeconds;
      const ttl = explicitTtl !== undefined ? explicitTtl : configTtl <= 0 ? null : configTtl;
      if (username !== null) await requireUser(store, username);
      const { secret, record: token } = await issueCredential(store, ctx.clock, {
        kind,
        name,
        username,
        clientId: null,
        scope,
        grantType: 'cli',
        ttlSeconds: ttl,
      });
      ctx.audit({ event: 'credential_created', outcome: 'success', username, credential: token.id, via: kind, reason: `scope ${scope}` });
      const json = { id: token.id, token: secret, kind, username, scope, expires_at: token.expiresAt };
      ctx.print(json, () => {
        const header = kind === 'app_password' ? 'App Password' : 'Access Token';
        const row = [secret, scope, token.id, formatCell('expires_at', token.expiresAt)];
        return `${formatTable([header, 'Authorization Scope', 'ID', 'Expires At'], [row])}It is shown only this once.\n`;
      });
      return 0;
    });
  },
};

const ls: Subcommand = {
  name: 'ls',
  usage: '[SEARCH] [--user NAME]',
  summary: 'list app passwords and access tokens',
  details: `SEARCH matches the start of an id, username or name, a kind (app_password, access_token),
or the word "expired".

Options:
  -u, --user NAME   only the tokens and app passwords of this user`,
  options: { user: { type: 'string', short: 'u' } },
  positionals: ['[SEARCH]'],
  async run(ctx) {
    const search = ctx.positionals[0]?.toLowerCase();
    const userFlag = ctx.string('user');
    const user = userFlag === undefined ? undefined : parseUsername(userFlag);
    const now = nowSeconds(ctx.clock);
    const matches = (t: TokenRecord) =>
      search === undefined ||
      (search === 'expired'
        ? t.expiresAt !== null && t.expiresAt <= now
        : t.id.startsWith(search) ||
          t.username?.startsWith(search) === true ||
          t.name.toLowerCase().startsWith(search) ||
          t.kind === search);
    const tokens = await ctx.withStore((store) => store.listTokens());
    const views = tokens
      .filter((t) => user === undefined || t.username === user)
      .filter(matches)
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id))
      .map(tokenView);
    ctx.print(views, () => formatViews(views, columns));
    return 0;
  },
};

const show: Subcommand = {
  name: 'show',
  usage: 'ID',
  summary: 'show an app password or access token (never its secret)',
  positionals: ['ID'],
  async run(ctx) {
    const view = tokenView(await ctx.withStore((store) => requireToken(store, ctx.positionals[0] as string)));
    ctx.print(view, () => formatFields(view));
    return 0;
  },
};

const rm: Subcommand = {
  name: 'rm',
  usage: 'ID [--yes]',
  summary: 'revoke an app password or access token',
  details: 'Asks for confirmation on a terminal unless --yes is given.',
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: ['ID'],
  async run(ctx) {
    return ctx.withStore(async (store) => {
      const token = await requireToken(store, ctx.positionals[0] as string);
      const what = `${token.kind.replace('_', ' ')} ${token.id} (${token.name})`;
      if (!(await confirmAction(ctx.io, ctx.flag('yes'), `Revoke ${what}?`))) return 1;
      await store.removeToken(token.id);
      ctx.audit({ event: 'token_revoked', outcome: 'success', username: token.username, credential: token.id, client_id: token.clientId, via: 'cli' });
      ctx.print({ id: token.id, removed: true }, () => `revoked ${what}\n`);
      return 0;
    });
  },
};

const reset: Subcommand = {
  name: 'reset',
  usage: '[--yes]',
  summary: 'revoke every app password, access token, refresh token and session, and every pending authorization',
  details: 'Asks for confirmation on a terminal unless --yes is given.',
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(ctx) {
    return ctx.withStore(async (store) => {
      const count = (await store.listTokens()).length;
      const question = `Revoke all ${count} app passwords and access tokens?`;
      if (!(await confirmAction(ctx.io, ctx.flag('yes'), question))) return 1;
      await store.resetTokens();
      ctx.audit({ event: 'token_revoked', outcome: 'success', action: `reset (${count} tokens)`, via: 'cli' });
      ctx.print({ removed: count }, () => `revoked ${count} app passwords and access tokens\n`);
      return 0;
    });
  },
};

export const authCommand = createCommandGroup({
  name: 'auth',
  summary: 'manage app passwords and access tokens',
  subcommands: [add, ls, show, rm, reset],
});
