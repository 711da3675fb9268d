import { nowSeconds } from '../clock.js';
import { digestSecret, generateClientSecret } from '../credentials/secrets.js';
import { UsageError } from '../errors.js';
import type { ClientPatch } from '../store/store.js';
import { clientSettingOptions } from './client-options.js';
import { clientView, formatClientWithSecret } from './client-view.js';
import {
  parseClientRole,
  parseClientTokenTtl,
  parseName,
  parseRedirectUris,
  parseScope,
  parseTokenLimit,
} from './cli-values.js';
import type { Subcommand, SubcommandContext } from './command-group.js';
import { requireClient } from './require-record.js';
import { formatFields } from './table.js';

/** Only the flags given are applied (reference-photoprism.md §5.2). */
function readPatch(ctx: SubcommandContext): ClientPatch {
  const patch: ClientPatch = {};
  const value = (name: string) => ctx.string(name);
  if (value('name') !== undefined) patch.name = parseName(value('name') as string);
  if (value('role') !== undefined) patch.role = parseClientRole(value('role') as string);
  if (value('scope') !== undefined) patch.scope = parseScope(value('scope') as string);
  if (value('expires') !== undefined) patch.tokenTtlSeconds = parseClientTokenTtl(value('expires') as string);
  if (value('tokens') !== undefined) patch.tokenLimit = parseTokenLimit(value('tokens') as string);
  const redirectUris = ctx.strings('redirect-uri');
  const clearRedirectUris = ctx.flag('clear-redirect-uris') === true;
  if (redirectUris !== undefined && clearRedirectUris) {
    throw new UsageError('give --redirect-uri or --clear-redirect-uris, not both');
  }
  if (redirectUris !== undefined) patch.redirectUris = parseRedirectUris(redirectUris);
  if (clearRedirectUris) patch.redirectUris = [];
  const postLogout = ctx.strings('post-logout-redirect-uri');
  if (postLogout !== undefined) patch.postLogoutRedirectUris = parseRedirectUris(postLogout);
  const enable = ctx.flag('enable') === true;
  const disable = ctx.flag('disable') === true;
  if (enable && disable) throw new UsageError('give --enable or --disable, not both');
  if (enable || disable) patch.enabled = enable;
  return patch;
}

export const modClient: Subcommand = {
  name: 'mod',
  usage:
    'ID [-n NAME] [-r ROLE] [-s SCOPES] [-e SECONDS] [-t TOKENS] [--redirect-uri URI]... [--clear-redirect-uris] [--regenerate] [--enable|--disable]',
  summary: "change a client's settings or secret",
  details: `Options:
  -n, --name NAME        a new label
  -r, --role ROLE        client or admin
  -s, --scope SCOPES     the new scope; tokens already issued keep theirs
  -e, --expires SECONDS  lifetime of new access tokens, at least 1
  -t, --tokens NUMBER    how many of its newest tokens stay valid; -1 = unlimited
  --redirect-uri URI     replaces the client's redirect URIs; repeat for several (rules: clients add --help)
  --clear-redirect-uris  removes every redirect URI
  --post-logout-redirect-uri URI
                         replaces where OpenID Connect logout may send users; repeat for several
  --regenerate           a new client secret, printed once; the old one stops working (not for public clients)
  --enable, --disable    a disabled client gets no tokens, and its tokens are revoked

Only the options given are changed.`,
  options: {
    ...clientSettingOptions,
    'clear-redirect-uris': { type: 'boolean' },
    regenerate: { type: 'boolean' },
    enable: { type: 'boolean' },
    disable: { type: 'boolean' },
  },
  positionals: ['ID'],
  async run(ctx) {
    const patch = readPatch(ctx);
    const secret = ctx.flag('regenerate') === true ? generateClientSecret() : undefined;
    if (secret !== undefined) patch.secretDigest = digestSecret(secret);
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change (see --help)');
    const client = await ctx.withStore(async (store) => {
      const { clientId, secretDigest } = await requireClient(store, ctx.positionals[0] as string);
      if (secret !== undefined && secretDigest === null) {
        throw new UsageError(`client ${clientId} is public: it has no secret to regenerate`);
      }
      return store.updateClient(clientId, patch, nowSeconds(ctx.clock));
    });
    const changed = Object.keys(patch).map((key) => (key === 'secretDigest' ? 'secret' : key));
    ctx.audit({ event: 'client_changed', outcome: 'success', client_id: client.clientId, action: 'modified', reason: changed.join(' ') });
    const view = clientView(client);
    if (secret === undefined) {
      ctx.print(view, () => formatFields(view));
    } else {
      ctx.print({ ...view, client_secret: secret }, () => formatClientWithSecret(view, client.clientId, secret));
    }
    return 0;
  },
};
