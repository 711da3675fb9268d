/**
 * `photogate start`: load the configuration (flags over environment over file over defaults),
 * open the store, create the first admin if there is none, serve until SIGINT/SIGTERM.
 * Prints `listening on http://HOST:PORT` once connections are accepted (PRODUCT.md machine
 * interface); logs go to stderr.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { createConfigReloader } from '../config/config-reloader.js';
import { loadConfig } from '../config/load-config.js';
import { createPasswordHasher } from '../credentials/password-hash.js';
import { UsageError } from '../errors.js';
import { createAudit } from '../audit/audit.js';
import { createAuditLogger, createLogger } from '../logger.js';
import { startServer } from '../server.js';
import { ensureAdmin } from '../store/ensure-admin.js';
import { describeStore, openStore } from '../store/open-store.js';
import { requireKeyFiles } from '../config/require-key-files.js';
import { signingKeysFor } from '../oidc/create-oidc.js';
import { schedulePurge } from '../store/purge-schedule.js';
import type { Command } from './command.js';

const help = `Usage: photogate start [options]

Runs the gateway in front of the upstream server until interrupted.

Options (each overrides the configuration file and its PHOTOGATE_* variable):
  --config FILE       configuration file (default: $PHOTOGATE_CONFIG, else ./photogate.yaml, else built-in defaults)
  --listen HOST:PORT  address to listen on ($PHOTOGATE_LISTEN; default 127.0.0.1:8080; port 0 picks a free one)
  --upstream URL      the server to protect ($PHOTOGATE_UPSTREAM; default http://127.0.0.1:2342)
  --store FILE|URL    store file, or a postgres:// URL for the PostgreSQL store ($PHOTOGATE_STORE,
                      $PHOTOGATE_STORE_URL; default ./data/photogate.json). With a URL, twoFactor.keyFile
                      ($PHOTOGATE_TWO_FACTOR_KEY_FILE) is required: the two-factor key, the same on every replica
  --public-url URL    URL clients use to reach the gateway, the OAuth issuer ($PHOTOGATE_PUBLIC_URL)
  -h, --help          show this help

On first start with an empty store an admin account is created: its password is
$PHOTOGATE_ADMIN_PASSWORD or admin.password if set, otherwise generated and printed once.
SIGINT or SIGTERM stops it: requests in progress get up to 5 s, then everything is closed.
SIGHUP reloads the configuration file and environment (so does a change of the file with
watchConfig: true): route rules, scopes, upstream and identity headers, token lifetimes,
request limits and the log level change without a restart; an invalid file is refused and
logged with every problem, and the running configuration keeps serving. Keys that need a
restart (listen, store, cache, rateLimits, connection limits) are named in the log.
npm start and the Docker image run Node with --max-semi-space-size=8, which keeps memory lower
under load; started another way, set NODE_OPTIONS=--max-semi-space-size=8.
`;

export const startCommand: Command = {
  name: 'start',
  summary: 'run the gateway',
  help,
  async run(args, io) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          config: { type: 'string' },
          listen: { type: 'string' },
          upstream: { type: 'string' },
          store: { type: 'string' },
          'public-url': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(`photogate start: ${(error as Error).message}`);
    }
    if (values.help) {
      io.stdout.write(help);
      return 0;
    }
    const str = (name: string) => values[name] as string | undefined;
    // A reload reads the same file, the environment as it is then, and the same flags.
    const load = () =>
      loadConfig({
        file: str('config'),
        env: io.env,
        overrides: { listen: str('listen'), upstream: str('upstream'), store: str('store'), publicUrl: str('public-url') },
      });
    const { config, file } = load();
    // Before anything starts: with store.url the key files have no default place.
    requireKeyFiles(config, file ?? 'defaults');
    const logger = createLogger(config.log.level);
    const clock = systemClock;
    const hasher = createPasswordHasher();
    const store = await openStore(config.store, { clock, watch: true, warn: (message) => logger.warn(message) });

    // Bind first: a generated admin password must not be printed by a start that then fails.
    const audit = createAudit(createAuditLogger(logger, config.log));
    const running = await startServer(config, { store, clock, hasher, logger, audit });
    const admin = await ensureAdmin(store, hasher, clock, config.admin);
    // The first start makes the ID token signing key (and its secret file), or rotates to a new
    // oidc.signingAlg, before anyone asks for one.
    await signingKeysFor(config, store, clock).current();
    if (admin.created) {
      io.stdout.write(
        admin.generatedPassword === undefined
          ? `created admin user "${admin.username}" with the configured password\n`
          : `created admin user "${admin.username}" with password ${admin.generatedPassword}\n` +
              `  (shown once; change it with: photogate users passwd ${admin.username})\n`,
      );
    }
    if (admin.created) audit.record({ event: 'user_changed', outcome: 'success', username: admin.username, action: 'added', reason: 'first admin', address: 'start' });
    // Before `listening on`: a SIGHUP from then on reloads instead of ending the process.
    const reloader = createConfigReloader({
      load,
      apply: (next) => running.reload(next),
      countReload: (outcome) => running.lasting.metrics.countReload(outcome),
      logger,
    });
    const onHangup = () => reloader.reload('SIGHUP');
    process.on('SIGHUP', onHangup);
    if (config.watchConfig && file !== undefined) reloader.watch(file);
    logger.info({ config: file ?? 'built-in defaults', upstream: config.upstream.url, store: describeStore(config.store), issuer: running.issuer }, 'started');
    io.stdout.write(`listening on ${running.url}\n`);

    // Expired tokens, codes and refresh tokens go in the background, in bounded batches.
    const purge = schedulePurge(store, clock, logger);

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'stopping');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.off('SIGHUP', onHangup);
    reloader.close();
    const purgeStopped = purge.stop();
    await running.close();
    await store.close();
    await purgeStopped;
    logger.flush();
    return 0;
  },
};
