/**
 * `photogate store`: the store itself rather than what is in it. `migrate` applies (or with
 * --dry-run prints) the PostgreSQL schema migrations a new version brings; `copy` moves a
 * deployment between a store file and PostgreSQL, either way, with every user, client and live
 * token, and checks the counts it printed (issue 17 points 1 and 7).
 */
import pg from 'pg';
import { nowSeconds } from '../clock.js';
import { isPostgresUrl } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { describeStore, openStore } from '../store/open-store.js';
import { twoFactorKeyFile } from '../two-factor/key-file.js';
import { carryTwoFactorKey } from './carry-two-factor-key.js';
import { migrate, pendingMigrations } from '../store/pg/pg-migrations.js';
import type { Store } from '../store/store.js';
import { createCommandGroup, type Subcommand, type SubcommandContext } from './command-group.js';

const migrateCommand: Subcommand = {
  name: 'migrate',
  usage: '[--dry-run]',
  summary: 'apply the PostgreSQL schema migrations not applied yet (a gateway starting does it too)',
  details: '  --dry-run   print the pending migrations and change nothing\n',
  options: { 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    const { store } = ctx.config();
    if (store.url === undefined) {
      ctx.io.stdout.write('the file store has no schema to migrate (set store.url or PHOTOGATE_STORE_URL)\n');
      return 0;
    }
    const client = new pg.Client({ connectionString: store.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const dryRun = ctx.flag('dry-run') === true;
      const listed = dryRun ? await pendingMigrations(client) : await migrate(client);
      ctx.print(
        listed.map(({ version, name }) => ({ version, name })),
        () =>
          listed.length === 0
            ? `${describeStore(store)}: up to date\n`
            : listed
                .map(({ version, name, sql }) => `-- ${dryRun ? 'pending' : 'applied'} ${version}: ${name}\n${sql.trim()}\n`)
                .join('\n'),
      );
    } finally {
      await client.end();
    }
    return 0;
  },
};

const copyCommand: Subcommand = {
  name: 'copy',
  usage: '--from FILE|URL --to FILE|URL',
  summary: 'copy every user, client, live token and published signing key into an empty store (file or postgres://)',
  details:
    '  --from FILE|URL   the store to read (not changed)\n' +
    '  --to FILE|URL     the store to fill; it must hold no users, clients, tokens or signing keys\n' +
    'Expired tokens, authorization codes and remembered consents are not copied. Stop the gateways\n' +
    'first. The gateways on the new store need the same oidc key secret file.\n' +
    'Two-factor secrets stay sealed: the key file of --from (twoFactor.keyFile, else FILE.key) is copied to\n' +
    "--to's when that has none; a postgres:// target needs twoFactor.keyFile (or PHOTOGATE_TWO_FACTOR_KEY_FILE).\n",
  options: { from: { type: 'string' }, to: { type: 'string' } },
  async run(ctx) {
    const from = ctx.string('from');
    const to = ctx.string('to');
    if (from === undefined || to === undefined) throw new UsageError('--from and --to are required');
    if (from === to) throw new UsageError('--from and --to name the same store');
    const { store: defaults, twoFactor } = ctx.config();
    const keyFiles = { from: twoFactorKeyFile(storeAt(from, defaults), twoFactor), to: twoFactorKeyFile(storeAt(to, defaults), twoFactor) };
    const source = await openStore(storeAt(from, defaults), { clock: ctx.clock, watch: false });
    try {
      const target = await openStore(storeAt(to, defaults), { clock: ctx.clock, watch: false });
      try {
        return await copy(ctx, source, target, to, keyFiles);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
};

function storeAt(location: string, defaults: Readonly<Config['store']>): Config['store'] {
  return isPostgresUrl(location) ? { ...defaults, url: location } : { ...defaults, path: location, url: undefined };
}

/**
 * Signing keys are copied too (oldest first, so the newest still signs): relying parties keep
 * verifying the ID tokens already issued. Keys no longer published are not; they sign nothing
 * and verify nothing. The key secret file is not in the store: the gateways on the new store
 * need the same one (oidc.keySecretFile).
 */
async function copy(ctx: SubcommandContext, source: Store, target: Store, to: string, keyFiles: { from?: string | undefined; to?: string | undefined }): Promise<number> {
  const [users, clients, targetTokens, targetKeys] = await Promise.all([target.listUsers(), target.listClients(), target.listTokens(), target.listSigningKeys()]);
  if (users.length + clients.length + targetTokens.length + targetKeys.length > 0) {
    throw new UsageError(
      `${to} is not empty (${users.length} users, ${clients.length} clients, ${targetTokens.length} tokens, ${targetKeys.length} signing keys)`,
      1,
    );
  }
  const now = nowSeconds(ctx.clock);
  const allTokens = await source.listTokens();
  const live = allTokens.filter((token) => token.expiresAt === null || token.expiresAt > now);
  const allKeys = await source.listSigningKeys();
  const publishedKeys = allKeys.filter((key) => key.publishedUntil === null || key.publishedUntil > now);
  const copied = { users: await source.listUsers(), clients: await source.listClients(), tokens: live, signingKeys: publishedKeys };
  // Two-factor secrets are sealed with a key outside the store: the target's key file must hold it.
  const keyCopied = await carryTwoFactorKey(copied.users, keyFiles.from, keyFiles.to);
  if (keyCopied !== undefined) ctx.io.stderr.write(keyCopied);
  // Order is kept (lists are oldest first; a client's token limit keeps the newest): the file
  // store commits a chunk in the order given, PostgreSQL takes one write after the other.
  const chunk = isPostgresUrl(to) ? 1 : 100;
  await inChunks(copied.users, chunk, (user) => target.addUser(user));
  await inChunks(copied.clients, chunk, (client) => target.addClient(client));
  await inChunks(copied.tokens, chunk, (token) => target.addToken(token));
  // One at a time: each add retires the keys before it that still sign (only the newest does).
  const { idTokenTtlSeconds } = ctx.config().oidc;
  for (const key of copied.signingKeys) await target.addSigningKey(key, { publishedUntil: now + idTokenTtlSeconds + 60, nowSeconds: now });
  const found = {
    users: (await target.listUsers()).length,
    clients: (await target.listClients()).length,
    tokens: (await target.listTokens()).length,
    signingKeys: (await target.listSigningKeys()).length,
  };
  const counts = { users: copied.users.length, clients: copied.clients.length, tokens: copied.tokens.length, signingKeys: copied.signingKeys.length };
  const skipped = allTokens.length - live.length;
  ctx.print({ copied: counts, found, expiredSkipped: skipped }, () =>
    `copied ${counts.users} users, ${counts.clients} clients, ${counts.tokens} tokens, ${counts.signingKeys} signing keys (${skipped} expired tokens skipped)\n`,
  );
  const agree = found.users === counts.users && found.clients === counts.clients && found.tokens === counts.tokens && found.signingKeys === counts.signingKeys;
  if (!agree) {
    ctx.io.stderr.write(
      `photogate store copy: ${to} holds ${found.users} users, ${found.clients} clients, ${found.tokens} tokens, ${found.signingKeys} signing keys\n`,
    );
    return 1;
  }
  return 0;
}

async function inChunks<T>(items: readonly T[], size: number, write: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(write));
}

export const storeCommand = createCommandGroup({
  name: 'store',
  summary: 'Migrate the PostgreSQL store, or copy a deployment between a store file and PostgreSQL.',
  subcommands: [migrateCommand, copyCommand],
});
