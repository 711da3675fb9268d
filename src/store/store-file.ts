/**
 * The store file as this process knows it: the current state, and the only two ways it changes.
 * A write is queued; one flush at a time takes every queued write, locks the file against other
 * processes (store-lock.ts), reloads it if another process wrote since, applies the writes in
 * order to a draft, writes once durably (durable-json-file.ts, HAZARDS.md H11), and only then
 * makes the draft current, announces the changes and settles the callers. So N concurrent writes
 * cost one or two fsync'd writes, not N, and nothing is acknowledged before it is on disk.
 * A reload (`poll`) reads the file when its identity is not the version we last read or wrote
 * and announces what the other writer removed or changed (store-diff.ts).
 * Pinned by test/unit/store/file-store-concurrency.test.ts and file-store-processes.test.ts.
 */
import { stat } from 'node:fs/promises';
import { Low } from 'lowdb';
import { StoreCorrupt } from '../errors.js';
import type { FileIdentity } from './durable-json-file.js';
import { DurableJsonFile, identityOf, sameIdentity } from './durable-json-file.js';
import type { StoreData } from './records.js';
import { emptyStoreData } from './records.js';
import type { StoreChange } from './store.js';
import { diffStates } from './store-diff.js';
import type { HeldLock } from './store-lock.js';
import { acquireStoreLock } from './store-lock.js';
import type { OperationOutcome, StoreOperation } from './store-operations.js';
import { StoreState } from './store-state.js';

interface Queued {
  op: StoreOperation<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}
type Settled = { ok: true; outcome: OperationOutcome<unknown> } | { ok: false; error: unknown };

export class StoreFile {
  readonly #path: string;
  readonly #announce: (changes: readonly StoreChange[]) => void;
  readonly #adapter: DurableJsonFile;
  readonly #low: Low<StoreData>;
  #state = StoreState.load(emptyStoreData(), '');
  #known: FileIdentity | undefined;
  #corrupt: FileIdentity | undefined;
  #lock: HeldLock | undefined;
  #queue: Queued[] = [];
  #flushScheduled = false;
  #tail: Promise<void> = Promise.resolve();
  #polling: Promise<void> | undefined;

  constructor(path: string, announce: (changes: readonly StoreChange[]) => void) {
    this.#path = path;
    this.#announce = announce;
    this.#adapter = new DurableJsonFile(path, { beforeCommit: () => this.#lock?.assertHeld() });
    this.#low = new Low<StoreData>(this.#adapter, emptyStoreData());
  }

  get state(): StoreState {
    return this.#state;
  }

  /** Reads (or creates) the file; throws StoreCorrupt. */
  async load(): Promise<void> {
    await this.#low.read();
    this.#state = StoreState.load(this.#low.data, this.#path);
    this.#known = this.#adapter.identity;
  }

  enqueue<T>(op: StoreOperation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (result: unknown) => void, reject });
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      void this.#exclusive(() => this.#flush());
    });
  }

  /** Resolves once every queued write has been settled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushScheduled) await this.#tail;
    await this.#tail;
  }

  /**
   * Reloads if another process wrote since. Concurrent callers share one check.
   * A corrupt file found here keeps the last good state and is not read again until it changes.
   */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    try {
      const seen = await statIdentity(this.#path);
      if (!seen || sameIdentity(seen, this.#known) || sameIdentity(seen, this.#corrupt)) return;
      await this.#exclusive(async () => {
        try {
          await this.#reloadIfChanged();
        } catch (error) {
          if (!(error instanceof StoreCorrupt)) throw error;
          this.#corrupt = seen;
        }
      });
    } catch {
      // A failed stat or read is retried by the next poll.
    }
  }

  /** Flushes and reloads replace the state, so they run one at a time. */
  #exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    let settled: Settled[];
    let batch: Queued[] = [];
    try {
      this.#lock = await acquireStoreLock(this.#path);
      batch = this.#queue.splice(0);
      await this.#reloadIfChanged();
      const draft = this.#state.clone();
      settled = batch.map((queued): Settled => {
        try {
          return { ok: true, outcome: queued.op(draft) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      if (draft.dirty) await this.#persist(draft);
    } catch (error) {
      if (batch.length === 0) batch = this.#queue.splice(0);
      settled = batch.map(() => ({ ok: false, error }));
    } finally {
      await this.#lock?.release().catch(() => undefined);
      this.#lock = undefined;
    }
    this.#announce(settled.flatMap((s) => (s.ok ? s.outcome.changes : [])));
    for (const [i, s] of settled.entries()) {
      if (s.ok) batch[i]?.resolve(s.outcome.result);
      else batch[i]?.reject(s.error);
    }
  }

  async #persist(draft: StoreState): Promise<void> {
    this.#low.data = draft.toData();
    await this.#low.write();
    draft.freeze();
    this.#state = draft;
    this.#known = this.#adapter.identity;
  }

  /**
   * Loads the file if it is not the version we last read or wrote; throws StoreCorrupt. A file
   * that vanished is not an empty store: what we hold is kept, and the next write puts it back.
   */
  async #reloadIfChanged(): Promise<void> {
    const seen = await statIdentity(this.#path);
    if (!seen || sameIdentity(seen, this.#known)) return;
    await this.#low.read();
    const next = StoreState.load(this.#low.data, this.#path);
    const changes = diffStates(this.#state, next);
    this.#state = next;
    this.#known = this.#adapter.identity;
    this.#corrupt = undefined;
    this.#announce(changes);
  }
}

async function statIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    return identityOf(await stat(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
