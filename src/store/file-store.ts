/**
 * The Store on one lowdb JSON file and its journal, shared by the gateway and CLI commands
 * (PRODUCT.md "Store"). Reads are answered from memory through indexes; writes go through the
 * group commit of store-file.ts, durable before they resolve (HAZARDS.md H11). Unless `watch` is
 * false, the files are polled every `reloadIntervalMs` so that a token revoked by the CLI stops
 * working here within a second. Expired records are purged in the background (purge-expired.ts).
 * Pinned by test/unit/store/*.test.ts.
 */
import { announceChanges } from './announce-changes.js';
import { resolve } from 'node:path';
import type { Clock } from '../clock.js';
import type { ClientRecord, GrantRecord, GrantStatus, SigningKeyRecord, TokenRecord, UserRecord } from './records.js';
import type { AddTokenOptions, ClientPatch, GrantPatch, Store, StoreChange, TokenUse, UserPatch } from './store.js';
import { purgeExpired } from './purge-expired.js';
import type { StoreFileOptions } from './store-file.js';
import { StoreFile } from './store-file.js';
import type { StoreOperation } from './store-operations.js';
import * as ops from './store-operations.js';
import type { StoreDraft } from './store-draft.js';
import type { StoreState } from './store-state.js';

/** Tokens removed per write by a bulk removal: a ~30 KiB journal line, applied by a reader in ~4 ms. */
export const bulkRemovalBatch = 2_000;

export interface FileStoreOptions {
  path: string;
  clock: Clock;
  /** How often to look for other processes' writes. Default 250. */
  reloadIntervalMs?: number;
  /** Poll for other processes' writes. Default true. */
  watch?: boolean;
  /** Where warnings go (a torn journal line dropped, a compaction that failed). Default: process.emitWarning. */
  warn?: (message: string) => void;
  /**
   * Tuning for tests and the benchmark; the defaults suit every store size. A store file of at
   * least `journalAboveBytes` (256 KiB, ~700 tokens) takes writes in its journal; the journal is
   * folded into it once it holds max(`compactMinBytes` (1 MiB), `compactRatio` (0.25) x the file).
   */
  journalAboveBytes?: number;
  compactMinBytes?: number;
  compactRatio?: number;
}

/** A FileStore also tells its file sizes and can be compacted on demand (tests, benchmark). */
export interface FileStoreHandle extends Store {
  readonly sizes: { snapshotBytes: number; journalBytes: number; seq: number };
  compact(): Promise<void>;
}

/** Opens the store file, creating it (0600, in a 0700 directory) if missing; rejects with StoreCorrupt. */
export async function openFileStore(options: FileStoreOptions): Promise<FileStoreHandle> {
  const store = new FileStore(resolve(options.path), {
    journalAboveBytes: options.journalAboveBytes ?? 256 * 1024,
    compactMinBytes: options.compactMinBytes ?? 1024 * 1024,
    compactRatio: options.compactRatio ?? 0.25,
    warn: options.warn ?? ((message) => process.emitWarning(message, 'PhotogateStoreWarning')),
  });
  await store.load();
  if (options.watch ?? true) store.watch(options.reloadIntervalMs ?? 250);
  return store;
}

class FileStore implements FileStoreHandle {
  readonly #path: string;
  readonly #file: StoreFile;
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(path: string, options: StoreFileOptions) {
    this.#path = path;
    this.#file = new StoreFile(path, options, (changes) => announceChanges(this.#listeners, changes));
  }

  get sizes() {
    return this.#file.sizes;
  }

  compact(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.#path}: the store is closed`));
    return this.#file.compact();
  }

  load(): Promise<void> {
    return this.#file.load();
  }

  watch(intervalMs: number): void {
    this.#timer = setInterval(() => void this.#file.poll(), intervalMs);
    this.#timer.unref();
  }

  async findUser(username: string) {
    return this.#current().findUser(username.toLowerCase());
  }
  async listUsers() {
    return this.#current().list('users');
  }
  addUser(user: UserRecord) {
    return this.#enqueue(ops.addUser(user));
  }
  updateUser(username: string, patch: UserPatch, nowSeconds: number) {
    return this.#enqueue(ops.updateUser(username, patch, nowSeconds));
  }
  useTwoFactorStep(username: string, step: number) {
    return this.#enqueue(ops.useTwoFactorStep(username, step));
  }
  useRecoveryCode(username: string, digest: string) {
    return this.#enqueue(ops.useRecoveryCode(username, digest));
  }

  async removeUser(username: string) {
    await this.#removeTokensInBatches((draft) => ops.tokensOfUser(draft, username.toLowerCase()));
    return this.#enqueue(ops.removeUser(username));
  }

  async findClient(clientId: string) {
    return this.#current().findClient(clientId);
  }
  async listClients() {
    return this.#current().list('clients');
  }
  addClient(client: ClientRecord) {
    return this.#enqueue(ops.addClient(client));
  }
  updateClient(clientId: string, patch: ClientPatch, nowSeconds: number) {
    return this.#enqueue(ops.updateClient(clientId, patch, nowSeconds));
  }
  async removeClient(clientId: string) {
    await this.#removeTokensInBatches((draft) => draft.tokensBy('clientId', clientId));
    return this.#enqueue(ops.removeClient(clientId));
  }
  async resetClients() {
    await this.#removeTokensInBatches((draft) => draft.all('clients').flatMap((client) => draft.tokensBy('clientId', client.clientId)));
    return this.#enqueue(ops.resetClients());
  }

  async findTokenByDigest(digest: string) {
    return this.#current().findTokenByDigest(digest);
  }
  async findToken(id: string) {
    return this.#current().findToken(id);
  }
  async listTokens() {
    return this.#current().list('tokens');
  }
  async listTokensOfUser(username: string) {
    const state = this.#current();
    return Object.freeze(state.tokenIds('username', username.toLowerCase()).flatMap((id) => state.findToken(id) ?? []));
  }
  addToken(token: TokenRecord, options?: AddTokenOptions) {
    return this.#enqueue(ops.addToken(token, options));
  }
  removeToken(id: string) {
    return this.#enqueue(ops.removeToken(id));
  }
  async resetTokens() {
    await this.#removeTokensInBatches((draft) => draft.all('tokens'));
    return this.#enqueue(ops.resetTokens());
  }
  markTokenUsed(id: string, nowSeconds: number) {
    return this.#enqueue(ops.markTokenUsed(id, nowSeconds));
  }
  recordTokenUses(uses: readonly TokenUse[]) {
    return this.#enqueue(ops.recordTokenUses(uses));
  }
  removeTokenFamily(familyId: string) {
    return this.#enqueue(ops.removeTokenFamily(familyId));
  }
  /** The background purge: other processes' writes first, then slices and bounded batches. */
  async removeExpiredTokens(nowSeconds: number) {
    await this.refresh();
    return purgeExpired(
      {
        state: () => this.#file.state,
        closed: () => this.#closed,
        enqueue: <T>(op: StoreOperation<T>) => this.#enqueue(op),
      },
      nowSeconds,
    );
  }

  addGrant(grant: GrantRecord) {
    return this.#enqueue(ops.addGrant(grant));
  }
  async findGrantByDigest(digest: string) {
    return this.#current().findGrantByDigest(digest);
  }
  async findGrantByUserCode(userCodeDigest: string) {
    return this.#current().findGrantByUserCode(userCodeDigest);
  }
  updateGrant(id: string, patch: GrantPatch, whenStatus: readonly GrantStatus[]) {
    return this.#enqueue(ops.updateGrant(id, patch, whenStatus));
  }

  async listSigningKeys() {
    return this.#current().list('signingKeys');
  }
  addSigningKey(key: SigningKeyRecord, retire: { publishedUntil: number; nowSeconds: number }) {
    return this.#enqueue(ops.addSigningKey(key, retire));
  }

  refresh(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.#path}: the store is closed`));
    return this.#file.poll();
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Waits for queued writes, then stops polling. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#file.close();
    this.#listeners.clear();
  }

  #current(): StoreState {
    if (this.#closed) throw new Error(`${this.#path}: the store is closed`);
    return this.#file.state;
  }

  #enqueue<T>(op: StoreOperation<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`${this.#path}: the store is closed`));
    return this.#file.enqueue(op);
  }

  /**
   * Removes the tokens `select` picks, `bulkRemovalBatch` a write, until a write takes fewer:
   * every process then applies journal lines of a few ms each instead of one that blocks it for
   * hundreds (issue 6: no write blocks the event loop over 10 ms). Revocation is monotonic, so a
   * reader seeing part of a bulk removal sees a consistent store; the operation that follows
   * removes what is left (tokens made meanwhile included) in one write.
   */
  async #removeTokensInBatches(select: (draft: StoreDraft) => Iterable<TokenRecord>): Promise<void> {
    while ((await this.#enqueue(ops.removeTokensBatch(select, bulkRemovalBatch))) === bulkRemovalBatch);
  }
}
