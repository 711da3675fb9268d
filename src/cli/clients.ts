import { nowSeconds } from '../clock.js';
import { digestSecret, generateClientId, generateClientSecret } from '../credentials/secrets.js';
import type { ClientRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { clientColumns, clientView, formatClientWithSecret } from './client-view.js';
import { clientSettingOptions } from './client-options.js';
import { modClient } from './mod-client.js';
import {
  generateName,
  parseClientRole,
  parseClientTokenTtl,
  parseName,
  parseRedirectUris,
  parseScope,
  parseTokenLimit,
  parseUsername,
} from './cli-values.js';
import { createCommandGroup, type Subcommand } from './command-group.js';
import { confirmAction } from './prompt.js';
import { requireClient, requireUser } from './require-record.js';
import { formatFields, formatViews } from './table.js';

async function newClientId(store: Store): Promise<string> {
  for (;;) {
    const id = generateClientId();
    if ((await store.findClient(id)) === undefined) return id;
  }
}

const add: Subcommand = {
  name: 'add',
  usage: '[USERNAME] [-n NAME] [-r client|admin] [-s SCOPES] [-e SECONDS] [-t TOKENS] [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--public]',
  summary: 'register an OAuth client; prints client_id and client_secret once',
  details: `Options:
  -n, --name NAME        a label for the application (default: generated)
  -r, --role ROLE        client or admin (default: client)
  -s, --scope SCOPES     e.g. "metrics" or "photos albums"; "*" allows everything (default: *)
  -e, --expires SECONDS  lifetime of its access tokens, at least 1 (default: config tokens.clientTokenTtlSeconds, 86400)
  -t, --tokens NUMBER    how many of its newest tokens stay valid; -1 = unlimited (default: config tokens.clientTokenLimit, 10)
  --redirect-uri URI     where the authorization code flow may send users back; repeat for several.
                         https://..., http:// only on 127.0.0.1, [::1] or localhost, or an app's
                         own scheme like com.example.app:/callback; absolute, no #fragment,
                         no user@ before the host. Matched exactly (a 127.0.0.1 or [::1] port
                         may differ)
  --post-logout-redirect-uri URI
                         where OpenID Connect logout (/api/v1/oauth/logout) may send users
                         afterwards; repeat for several; same rules as --redirect-uri
  --public               a client without a secret (a mobile, desktop or browser app)

With USERNAME, the client acts for that user. Only the secret's SHA-256 digest is stored.`,
  options: { ...clientSettingOptions, public: { type: 'boolean' } },
  positionals: ['[USERNAME]'],
  async run(ctx) {
    const given = ctx.positionals[0];
    const username = given === undefined ? null : parseUsername(given);
    const nameFlag = ctx.string('name');
    const name = nameFlag === undefined ? generateName('client') : parseName(nameFlag);
    const role = parseClientRole(ctx.string('role') ?? 'client');
    const scope = parseScope(ctx.string('scope') ?? '*');
    const expires = ctx.string('expires');
    const tokens = ctx.string('tokens');
    const ttl = expires === undefined ? undefined : parseClientTokenTtl(expires);
    const limit = tokens === undefined ? undefined : parseTokenLimit(tokens);
    const redirectUris = parseRedirectUris(ctx.strings('redirect-uri') ?? []);
    const postLogout = parseRedirectUris(ctx.strings('post-logout-redirect-uri') ?? []);
    const secret = ctx.flag('public') === true ? null : generateClientSecret();
    return ctx.withStore(async (store, config) => {
      if (username !== null) await requireUser(store, username);
      const now = nowSeconds(ctx.clock);
      const client: ClientRecord = {
        clientId: await newClientId(store),
        name,
        role,
        scope,
        secretDigest: secret === null ? null : digestSecret(secret),
        username,
        tokenTtlSeconds: ttl ?? config.tokens.clientTokenTtlSeconds,
        tokenLimit: limit ?? config.tokens.clientTokenLimit,
        enabled: true,
        redirectUris,
        ...(postLogout.length > 0 ? { postLogoutRedirectUris: postLogout } : {}),
        createdAt: now,
        updatedAt: now,
      };
      await store.addClient(client);
      ctx.audit({ event: 'client_changed', outcome: 'success', client_id: client.clientId, username, action: 'added', reason: `role ${role}` });
      const view = clientView(client);
      const json = {
        client_id: client.clientId,
        client_secret: secret,
        name,
        role,
        type: view.type,
        scope,
        redirect_uris: redirectUris,
        ...(postLogout.length > 0 ? { post_logout_redirect_uris: postLogout } : {}),
        expires_in: client.tokenTtlSeconds,
        tokens: client.tokenLimit,
      };
      ctx.print(json, () =>
        secret === null ? formatFields(view) : formatClientWithSecret(view, client.clientId, secret),
      );
      return 0;
    });
  },
};

const ls: Subcommand = {
  name: 'ls',
  usage: '[SEARCH]',
  summary: 'list clients',
  details: 'SEARCH matches the start of a client id, name or username, or a role (client, admin).',
  positionals: ['[SEARCH]'],
  async run(ctx) {
    const search = ctx.positionals[0]?.toLowerCase();
    const matches = (c: ClientRecord) =>
      search === undefined ||
      c.clientId.startsWith(search) ||
      c.name.toLowerCase().startsWith(search) ||
      c.username?.startsWith(search) === true ||
      c.role === search;
    const clients = await ctx.withStore((store) => store.listClients());
    const views = clients
      .filter(matches)
      .sort((a, b) => b.createdAt - a.createdAt || a.clientId.localeCompare(b.clientId))
      .map(clientView);
    ctx.print(views, () => formatViews(views, clientColumns));
    return 0;
  },
};

const show: Subcommand = {
  name: 'show',
  usage: 'ID',
  summary: "show a client's settings (never its secret)",
  positionals: ['ID'],
  async run(ctx) {
    const view = clientView(await ctx.withStore((store) => requireClient(store, ctx.positionals[0] as string)));
    ctx.print(view, () => formatFields(view));
    return 0;
  },
};

const rm: Subcommand = {
  name: 'rm',
  usage: 'ID [--yes]',
  summary: 'delete a client and revoke its tokens',
  details: 'Asks for confirmation on a terminal unless --yes is given.',
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: ['ID'],
  async run(ctx) {
    return ctx.withStore(async (store) => {
      const client = await requireClient(store, ctx.positionals[0] as string);
      const what = `client ${client.clientId} (${client.name})`;
      if (!(await confirmAction(ctx.io, ctx.flag('yes'), `Delete ${what} and revoke its tokens?`))) return 1;
      await store.removeClient(client.clientId);
      ctx.audit({ event: 'client_changed', outcome: 'success', client_id: client.clientId, action: 'removed' });
      ctx.print({ client_id: client.clientId, removed: true }, () => `removed ${what}\n`);
      return 0;
    });
  },
};

const reset: Subcommand = {
  name: 'reset',
  usage: '[--yes]',
  summary: 'delete every client and revoke their tokens',
  details: 'Asks for confirmation on a terminal unless --yes is given.',
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(ctx) {
    return ctx.withStore(async (store) => {
      const count = (await store.listClients()).length;
      if (!(await confirmAction(ctx.io, ctx.flag('yes'), `Delete all ${count} clients and revoke their tokens?`))) {
        return 1;
      }
      await store.resetClients();
      ctx.audit({ event: 'client_changed', outcome: 'success', action: `reset (${count} clients)` });
      ctx.print({ removed: count }, () => `removed ${count} clients\n`);
      return 0;
    });
  },
};

export const clientsCommand = createCommandGroup({
  name: 'clients',
  summary: 'manage OAuth clients',
  subcommands: [add, ls, show, modClient, rm, reset],
});
