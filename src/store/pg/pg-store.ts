/**
 * The Store on PostgreSQL, for several gateway replicas (issue 17; PRODUCT.md "PostgreSQL
 * store"). Reads go to PostgreSQL (the gateway's credential cache answers repeated requests);
 * writes run the very operations the file store runs (store-operations.ts) on a StoreDraft over
 * the rows they touch, read `FOR UPDATE` inside one transaction, and write the draft's changes
 * back; so both stores have one set of rules, and a field added to a record needs no SQL.
 * - Acknowledged only after COMMIT; a lost connection before it rejects (StoreUnavailable), so
 *   nothing acknowledged is lost.
 * - Single-use values (codes, device codes, refresh tokens, TOTP time steps) are consumed under a row lock: of
 *   two replicas redeeming one code at once, the second reads the first's committed change and
 *   gets StoreConflict.
 * - What a write changed is announced here at once and NOTIFYed in its transaction to the other
 *   replicas (pg-notifications.ts).
 * - An unreachable server: every call rejects with StoreUnavailable within ~2.5 s.
 * Pinned by test/unit/store/pg-store.test.ts and the contract suite (store-contract.ts).
 */
import { announceChanges } from '../announce-changes.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { TableName, TableRecords } from '../change-set.js';
import type { ClientRecord, GrantRecord, GrantStatus, SigningKeyRecord, TokenRecord, UserRecord } from '../records.js';
import type { AddTokenOptions, ClientPatch, GrantPatch, Store, StoreChange, TokenUse, UserPatch } from '../store.js';
import type { StoreDraft } from '../store-draft.js';
import type { StoreOperation } from '../store-operations.js';
import * as ops from '../store-operations.js';
import { migrate } from './pg-migrations.js';
import { ChangeListener } from './pg-notifications.js';
import { translatePgError } from './pg-errors.js';
import { failuresChannel, PgSharedFailures } from './pg-shared-failures.js';
import { pgTables, recordFromDoc } from './pg-tables.js';
import { type Loader, type Scope, writeInTransaction } from './pg-write.js';

/** Tokens removed per transaction by a bulk removal, as in the file store. */
const bulkRemovalBatch = 2_000;
const purgeBatch = 500;

export interface PgStoreOptions {
  url: string;
  /** LISTEN for other processes' changes (a gateway); CLI commands need not. Default true. */
  watch?: boolean;
  warn?: (message: string) => void;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
}

export interface PgStoreHandle extends Store {
  readonly sharedFailures: PgSharedFailures;
  checkReady(): Promise<boolean>;
}

/** Connects, applies missing migrations, starts listening; rejects (StoreUnavailable) when PostgreSQL cannot be reached. */
export async function openPgStore(options: PgStoreOptions): Promise<PgStoreHandle> {
  const store = new PgStore(options);
  try {
    await store.open(options.watch ?? true);
  } catch (error) {
    await store.close();
    throw translatePgError(error);
  }
  return store;
}

class PgStore implements PgStoreHandle {
  readonly pool: pg.Pool;
  readonly sharedFailures: PgSharedFailures;
  readonly #origin = randomUUID();
  readonly #listeners = new Set<(change: StoreChange) => void>();
  readonly #listener: ChangeListener;
  readonly #warn: (message: string) => void;
  /** Calls in progress: close waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #watching = false;
  #closed = false;

  constructor(options: PgStoreOptions) {
    this.#warn = options.warn ?? ((message) => process.emitWarning(message, 'PhotogateStoreWarning'));
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 2000,
      query_timeout: 2500,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'photogate',
    });
    // An idle connection cut by the server: the pool drops it; the next call reconnects.
    this.pool.on('error', () => undefined);
    this.sharedFailures = new PgSharedFailures(this.pool, this.#origin);
    this.#listener = new ChangeListener({
      connectionString: options.url,
      origin: this.#origin,
      announce: (changes) => announceChanges(this.#listeners, changes),
      channels: { [failuresChannel]: (payload) => this.sharedFailures.receive(payload) },
      warn: this.#warn,
    });
  }

  async open(watch: boolean): Promise<void> {
    const client = await this.pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
    if (watch) {
      await this.#listener.start();
      this.#watching = true;
    }
  }

  findUser(username: string) {
    return this.#findOne('users', 'username = $1', [username.toLowerCase()]);
  }
  listUsers() {
    return this.#list('users');
  }
  addUser(user: UserRecord) {
    return this.#write((l) => l.rows('users', 'username = $1', [user.username.toLowerCase()]), ops.addUser(user));
  }
  updateUser(username: string, patch: UserPatch, nowSeconds: number) {
    return this.#write((l) => l.rows('users', 'username = $1', [username.toLowerCase()]), ops.updateUser(username, patch, nowSeconds));
  }
  /** Compare-and-set under the user's row lock: of two replicas taking one step, the second reads the first's commit and conflicts. */
  useTwoFactorStep(username: string, step: number) {
    return this.#write((l) => l.rows('users', 'username = $1', [username.toLowerCase()]), ops.useTwoFactorStep(username, step));
  }
  /** Compare-and-set under the user's row lock, as useTwoFactorStep: a recovery code is consumed once across replicas. */
  useRecoveryCode(username: string, digest: string) {
    return this.#write((l) => l.rows('users', 'username = $1', [username.toLowerCase()]), ops.useRecoveryCode(username, digest));
  }
  async removeUser(username: string) {
    const name = username.toLowerCase();
    const ofUser = 'username = $1 OR client_id IN (SELECT client_id FROM photogate_clients WHERE username = $1)';
    await this.#removeTokensInBatches(
      async (l) => {
        await l.rows('clients', 'username = $1', [name]);
        return l.rows('tokens', ofUser, [name], bulkRemovalBatch);
      },
      (draft) => ops.tokensOfUser(draft, name),
    );
    return this.#write(async (l) => {
      await l.rows('users', 'username = $1', [name]);
      await l.rows('clients', 'username = $1', [name]);
      await l.rows('tokens', ofUser, [name]);
      await l.rows('grants', ofUser, [name]);
    }, ops.removeUser(username));
  }

  findClient(clientId: string) {
    return this.#findOne('clients', 'client_id = $1', [clientId]);
  }
  listClients() {
    return this.#list('clients');
  }
  addClient(client: ClientRecord) {
    return this.#write((l) => l.rows('clients', 'client_id = $1', [client.clientId]), ops.addClient(client));
  }
  updateClient(clientId: string, patch: ClientPatch, nowSeconds: number) {
    return this.#write(async (l) => {
      await l.rows('clients', 'client_id = $1', [clientId]);
      await l.rows('tokens', 'client_id = $1', [clientId]);
      await l.rows('grants', 'client_id = $1', [clientId]);
    }, ops.updateClient(clientId, patch, nowSeconds));
  }
  async removeClient(clientId: string) {
    await this.#removeTokensInBatches(
      (l) => l.rows('tokens', 'client_id = $1', [clientId], bulkRemovalBatch),
      (draft) => draft.tokensBy('clientId', clientId),
    );
    return this.#write(async (l) => {
      await l.rows('clients', 'client_id = $1', [clientId]);
      await l.rows('tokens', 'client_id = $1', [clientId]);
      await l.rows('grants', 'client_id = $1', [clientId]);
    }, ops.removeClient(clientId));
  }
  async resetClients() {
    const ofClients = 'client_id IN (SELECT client_id FROM photogate_clients)';
    await this.#removeTokensInBatches(
      async (l) => {
        await l.rows('clients', 'true', []);
        return l.rows('tokens', ofClients, [], bulkRemovalBatch);
      },
      (draft) => draft.all('clients').flatMap((client) => draft.tokensBy('clientId', client.clientId)),
    );
    return this.#write(async (l) => {
      await l.rows('clients', 'true', []);
      await l.rows('tokens', ofClients, []);
      await l.rows('grants', ofClients, []);
    }, ops.resetClients());
  }

  findTokenByDigest(digest: string) {
    return this.#findOne('tokens', 'digest = $1', [digest]);
  }
  findToken(id: string) {
    return this.#findOne('tokens', 'id = $1', [id]);
  }
  listTokens() {
    return this.#list('tokens');
  }
  async listTokensOfUser(username: string) {
    const rows = await this.#query(`SELECT doc FROM ${pgTables.tokens.table} WHERE username = $1 ORDER BY seq`, [username.toLowerCase()]);
    return Object.freeze(rows.map((row) => recordFromDoc('tokens', row.doc)));
  }
  addToken(token: TokenRecord, options?: AddTokenOptions) {
    const limit = options?.tokenLimitForClient ?? -1;
    return this.#write(async (l) => {
      await l.rows('tokens', 'id = $1 OR digest = $2', [token.id, token.digest]);
      if (token.clientId === null || limit < 1) return;
      // Two replicas adding to one client at once must not both keep their own view's newest N.
      await l.client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`client-tokens:${token.clientId}`]);
      await l.rows('tokens', 'client_id = $1 AND grant_type = $2', [token.clientId, token.grantType]);
    }, ops.addToken(token, options));
  }
  removeToken(id: string) {
    return this.#write((l) => l.rows('tokens', 'id = $1 OR family_id = $1', [id]), ops.removeToken(id));
  }
  async resetTokens() {
    await this.#removeTokensInBatches(
      (l) => l.rows('tokens', 'true', [], bulkRemovalBatch),
      (draft) => draft.all('tokens'),
    );
    return this.#write(async (l) => {
      await l.rows('tokens', 'true', []);
      await l.rows('grants', 'true', []);
    }, ops.resetTokens());
  }
  markTokenUsed(id: string, nowSeconds: number) {
    return this.#write((l) => l.rows('tokens', 'id = $1', [id]), ops.markTokenUsed(id, nowSeconds));
  }
  /** The rows named, locked in seq order like every write; its operation announces nothing, so nothing is NOTIFYed. */
  recordTokenUses(uses: readonly TokenUse[]) {
    if (uses.length === 0) return Promise.resolve(0);
    return this.#write((l) => l.rows('tokens', 'id = ANY($1)', [uses.map((use) => use.id)]), ops.recordTokenUses(uses));
  }
  removeTokenFamily(familyId: string) {
    return this.#write((l) => l.rows('tokens', 'family_id = $1', [familyId]), ops.removeTokenFamily(familyId));
  }
  /** In batches of `purgeBatch`, each its own transaction, until a batch finds fewer. */
  async removeExpiredTokens(nowSeconds: number) {
    let removed = 0;
    for (;;) {
      let found = 0;
      const ids: { tokens: string[]; grants: string[] } = { tokens: [], grants: [] };
      const batch = await this.#write(
        async (l) => {
          found += await l.rows('tokens', 'expires_at <= $1', [nowSeconds], purgeBatch);
          found += await l.rows('grants', 'expires_at <= $1', [nowSeconds], purgeBatch);
        },
        (draft) => {
          ids.tokens = draft.all('tokens').map((token) => token.id);
          ids.grants = draft.all('grants').map((grant) => grant.id);
          return ops.removeExpired(ids.tokens, ids.grants, nowSeconds)(draft);
        },
      );
      removed += batch;
      if (found < purgeBatch || this.#closed) {
        await this.sharedFailures.forgetOld(nowSeconds * 1000).catch(() => undefined);
        return removed;
      }
    }
  }

  addGrant(grant: GrantRecord) {
    return this.#write(
      (l) => l.rows('grants', 'id = $1 OR digest = $2 OR user_code_digest = $3', [grant.id, grant.digest, grant.userCodeDigest]),
      ops.addGrant(grant),
    );
  }
  findGrantByDigest(digest: string) {
    return this.#findOne('grants', 'digest = $1', [digest]);
  }
  findGrantByUserCode(userCodeDigest: string) {
    return this.#findOne('grants', 'user_code_digest = $1', [userCodeDigest]);
  }
  updateGrant(id: string, patch: GrantPatch, whenStatus: readonly GrantStatus[]) {
    return this.#write((l) => l.rows('grants', 'id = $1', [id]), ops.updateGrant(id, patch, whenStatus));
  }

  listSigningKeys() {
    return this.#list('signingKeys');
  }
  /**
   * One transaction over every key, under a lock of its own: two replicas rotating at once (the
   * first start of both) add one key after the other, so the first is retired, never left
   * signing beside the second.
   */
  addSigningKey(key: SigningKeyRecord, retire: { publishedUntil: number; nowSeconds: number }) {
    return this.#write(async (l) => {
      await l.client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['signing-keys']);
      await l.rows('signingKeys', 'true', []);
    }, ops.addSigningKey(key, retire));
  }

  /** Reads always go to PostgreSQL: nothing to take in. */
  async refresh(): Promise<void> {
    this.#checkOpen();
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ready when a query answers and, for a gateway, the notification connection is up. */
  async checkReady(): Promise<boolean> {
    if (this.#closed || (this.#watching && !this.#listener.coherent)) return false;
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for calls in progress (the pool's end does), then closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#listener.close();
    await this.pool.end().catch(() => undefined);
    this.#listeners.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('the PostgreSQL store is closed');
  }

  async #findOne<T extends TableName>(table: T, where: string, params: unknown[]): Promise<TableRecords[T] | undefined> {
    const rows = await this.#query(`SELECT doc FROM ${pgTables[table].table} WHERE ${where}`, params);
    return rows[0] === undefined ? undefined : recordFromDoc(table, rows[0].doc);
  }

  async #list<T extends TableName>(table: T): Promise<readonly TableRecords[T][]> {
    const rows = await this.#query(`SELECT doc FROM ${pgTables[table].table} ORDER BY seq`, []);
    return Object.freeze(rows.map((row) => recordFromDoc(table, row.doc)));
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = () => this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  async #query(sql: string, params: unknown[]): Promise<{ doc: unknown }[]> {
    this.#checkOpen();
    return this.#track(this.#queryNow(sql, params));
  }

  async #queryNow(sql: string, params: unknown[]): Promise<{ doc: unknown }[]> {
    try {
      return (await this.pool.query<{ doc: unknown }>(sql, params)).rows;
    } catch (error) {
      throw translatePgError(error);
    }
  }

  /** One write (pg-write.ts), announced here once committed. */
  async #write<T>(scope: Scope, op: StoreOperation<T>): Promise<T> {
    this.#checkOpen();
    return this.#track(
      writeInTransaction(this.pool, this.#origin, scope, op).then((outcome) => {
        announceChanges(this.#listeners, outcome.changes);
        return outcome.result;
      }),
    );
  }

  /** Runs `ops.removeTokensBatch` over scopes of at most `bulkRemovalBatch` tokens until one finds fewer. */
  async #removeTokensInBatches(
    scope: (load: Loader) => Promise<number>,
    select: (draft: StoreDraft) => Iterable<TokenRecord>,
  ): Promise<void> {
    for (;;) {
      let found = 0;
      await this.#write(async (l) => {
        found = await scope(l);
      }, ops.removeTokensBatch(select, bulkRemovalBatch));
      if (found < bulkRemovalBatch) return;
    }
  }
}
