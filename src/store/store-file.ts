/**
 * The store on disk as this process knows it: a snapshot (the JSON store file) and a journal of
 * the changes made since (`<store>.journal`, store-journal.ts), with the only ways they change.
 *
 * Why a journal (issue 6 point 4): rewriting the whole file on every write took ~300 ms and
 * blocked the event loop ~290 ms at 100,000 tokens. Now a write is queued; one flush at a time
 * takes every queued write, locks the store against other processes (store-lock.ts), reads what
 * they appended since, applies the writes to a StoreDraft, and appends ONE journal line for the
 * batch, fdatasync'd, before anything is acknowledged; only then does the in-memory state take
 * the change. A small store (snapshot under `journalAboveBytes`) is rewritten whole instead,
 * which costs about as much as an append and keeps the file complete for people who read it.
 *
 * Every change has a sequence number, and the snapshot says which journal continues it and the
 * last number it holds, so any mix of crashes between steps reads back right: lines already in
 * the snapshot are skipped. Another process's changes are found by reading only the journal
 * lines after the offset this process reached, record by record (a few stats per poll), and are
 * announced so caches evict what they removed. Compaction (folding the journal into a new
 * snapshot) runs in the background when the journal reaches a quarter of the snapshot's size:
 * the records are copied by reference at one sequence number, serialised a slice at a time with
 * the lock free, and put in place under the lock with the lines appended meanwhile carried over
 * to a new journal. Nothing here blocks the event loop for more than a few milliseconds, except
 * applying one huge change (a reset of every token) and the rare full reload of a big snapshot
 * replaced by hand.
 * Pinned by test/unit/store/file-store-concurrency.test.ts, file-store-processes.test.ts,
 * store-journal.test.ts and store-compaction.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { stat, unlink } from 'node:fs/promises';
import { StoreCorrupt } from '../errors.js';
import type { ChangeSet } from './change-set.js';
import { changeCount, encodeChangeLine, tableNames } from './change-set.js';
import type { FileIdentity, LoadedSnapshot, TempSnapshot } from './durable-json-file.js';
import {
  commitSnapshot,
  discardTemp,
  identityOf,
  isNotFound,
  peekSnapshot,
  readExistingSnapshot,
  readSnapshot,
  sameIdentity,
  writeSnapshotTemp,
} from './durable-json-file.js';
import type { SnapshotRecords } from './snapshot-format.js';
import type { StoreChange } from './store.js';
import { diffStates } from './store-diff.js';
import { StoreDraft } from './store-draft.js';
import { StoreJournal } from './store-journal.js';
import type { HeldLock } from './store-lock.js';
import { acquireStoreLock } from './store-lock.js';
import type { OperationOutcome, StoreOperation } from './store-operations.js';
import { StoreState } from './store-state.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';

export interface StoreFileOptions {
  /** A snapshot at least this big is not rewritten per write: writes go to the journal. */
  journalAboveBytes: number;
  /** Compaction starts once the journal holds max(compactMinBytes, compactRatio x snapshot size). */
  compactMinBytes: number;
  compactRatio: number;
  /** Things an operator should know that are not errors (a torn journal line dropped, a failed compaction). */
  warn: (message: string) => void;
}

interface Queued {
  op: StoreOperation<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}
type Settled = { ok: true; outcome: OperationOutcome<unknown> } | { ok: false; error: unknown };

/** Where this process stands: its records, and the journal id and sequence number they are at. */
interface Position {
  state: StoreState;
  /** The id of the journal that continues the snapshot; undefined until a journaling write names one. */
  lineage: string | undefined;
  seq: number;
}

const compactionRetryMs = 60_000;
/** Journal changes a reader applies between two turns of the event loop (~4 ms of work). */
const changesPerTurn = 2_000;

export class StoreFile {
  readonly #path: string;
  readonly #options: StoreFileOptions;
  readonly #announce: (changes: readonly StoreChange[]) => void;
  #at: Position = { state: new StoreState(), lineage: undefined, seq: 0 };
  #journal: StoreJournal;
  /** The snapshot in place as last read or written here; undefined when it was deleted. */
  #snapshot: FileIdentity | undefined;
  /** Its size as last known, kept when the file vanishes: it decides how the next write is made. */
  #snapshotBytes = 0;
  /** The last change it holds: changes after it exist only in the journal (and in memory). */
  #snapshotSeq = 0;
  /** A snapshot found corrupt by a poll: not read again until it changes. */
  #corrupt: FileIdentity | undefined;
  #lock: HeldLock | undefined;
  #queue: Queued[] = [];
  #flushScheduled = false;
  #tail: Promise<void> = Promise.resolve();
  #polling: Promise<void> | undefined;
  #compacting: Promise<void> | undefined;
  #compactNotBefore = 0;
  #closed = false;

  constructor(path: string, options: StoreFileOptions, announce: (changes: readonly StoreChange[]) => void) {
    this.#path = path;
    this.#options = options;
    this.#announce = announce;
    this.#journal = new StoreJournal(path);
  }

  get state(): StoreState {
    return this.#at.state;
  }

  /** Sizes for the benchmark and tests: snapshot and journal bytes, and the sequence number reached. */
  get sizes(): { snapshotBytes: number; journalBytes: number; seq: number } {
    return { snapshotBytes: this.#snapshotBytes, journalBytes: this.#journal.bytes, seq: this.#at.seq };
  }

  /** Reads (or creates) the snapshot and its journal; throws StoreCorrupt. */
  async load(): Promise<void> {
    const loaded = await readSnapshot(this.#path);
    await this.#adopt(loaded, false);
    this.#maybeCompact();
  }

  enqueue<T>(op: StoreOperation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (result: unknown) => void, reject });
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      void this.#exclusive(() => this.#flush());
    });
  }

  /** Resolves once every queued write has been settled and a running compaction has ended. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushScheduled) await this.#tail;
    await this.#tail;
    await this.#compacting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
    await this.#journal.close();
  }

  /**
   * Takes in other processes' writes. Concurrent callers share one check, which costs two stats
   * when nothing changed. A corrupt file found here keeps the last good state.
   */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /** Folds the journal into a new snapshot now (tests, benchmark); resolves when done or not needed. */
  async compact(): Promise<void> {
    await this.#compacting;
    this.#compacting = this.#compact().finally(() => {
      this.#compacting = undefined;
    });
    await this.#compacting;
  }

  async #pollOnce(): Promise<void> {
    try {
      const [snapshot, journal] = await Promise.all([statIdentity(this.#path), statIdentity(this.#journal.path)]);
      const snapshotKnown =
        snapshot === undefined || sameIdentity(snapshot, this.#snapshot) || sameIdentity(snapshot, this.#corrupt);
      if (snapshotKnown && this.#journal.isCurrent(journal)) return;
      await this.#exclusive(() => this.#catchUp(false));
    } catch {
      // A failed read, or a corrupt file (kept out by #corrupt), is retried by the next poll.
    }
  }

  /** Flushes, reloads and compaction steps replace the state, so they run one at a time. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
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
      await this.#catchUp(true);
      const draft = new StoreDraft(this.#at.state);
      settled = batch.map((queued): Settled => {
        try {
          return { ok: true, outcome: queued.op(draft) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      if (draft.dirty) await this.#commit(draft.changes);
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
    this.#maybeCompact();
  }

  /** Makes the batch durable, then current. The lock is held and the journal read to its end. */
  async #commit(changes: ChangeSet): Promise<void> {
    const seq = this.#at.seq + 1;
    if (this.#journalMode()) {
      // A store file that names no journal (written by an older photogate) or that vanished, or
      // a journal that vanished with changes the file does not hold, and the file is first
      // rewritten from what is held, a slice at a time: then the batch is a journal line.
      const journalLost = this.#journal.id !== this.#at.lineage && this.#at.seq > this.#snapshotSeq;
      if (this.#at.lineage === undefined || this.#snapshot === undefined || journalLost) {
        await this.#rewriteSnapshot(this.#at.state);
      }
      const lineage = this.#at.lineage as string;
      if (this.#journal.id !== lineage) await this.#journal.replace(lineage, Buffer.alloc(0), undefined, this.#assertLocked);
      const dropped = await this.#journal.dropIncompleteTail();
      if (dropped > 0) {
        this.#options.warn(
          `${this.#journal.path}: dropped an incomplete last line (${dropped} bytes), a write cut short by a crash before it was acknowledged`,
        );
      }
      this.#assertLocked();
      await this.#journal.append(seq, encodeChangeLine(seq, changes));
      this.#at.state.apply(changes);
      this.#at.seq = seq;
      return;
    }
    // A small store is rewritten whole (copying it costs less than the write), and the journal,
    // holding only lines the new file holds too, removed.
    const next = this.#at.state.clone();
    next.apply(changes);
    await this.#rewriteSnapshot(next, seq);
    await this.#journal.close();
    await unlink(this.#journal.path).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    this.#at = { state: next, lineage: this.#at.lineage, seq };
  }

  /** Writes `state` as the store file, at sequence `seq`, naming the journal (a new one if there was none). */
  async #rewriteSnapshot(state: StoreState, seq = this.#at.seq): Promise<void> {
    const lineage = this.#at.lineage ?? randomBytes(16).toString('hex');
    const temp = await writeSnapshotTemp(this.#path, await copyRecords(state), { id: lineage, seq });
    await commitSnapshot(temp, this.#path, this.#assertLocked);
    this.#at.lineage = lineage;
    this.#snapshotIs(temp.identity, seq);
  }

  #snapshotIs(identity: FileIdentity, seq: number): void {
    this.#snapshot = identity;
    this.#snapshotBytes = identity.size;
    this.#snapshotSeq = seq;
  }

  readonly #assertLocked = (): void => {
    if (!this.#lock) throw new Error(`${this.#path}: not locked`);
    this.#lock.assertHeld();
  };

  #journalMode(): boolean {
    return this.#snapshotBytes >= this.#options.journalAboveBytes;
  }

  /**
   * Reads what other processes appended, then looks at the snapshot: one that a compaction put
   * in place holds nothing new; any other change of it is read in full. `locked` (a flush) reads
   * a snapshot known to be corrupt again, so the flush fails rather than overwrite it.
   */
  async #catchUp(locked: boolean): Promise<void> {
    const found = await statIdentity(this.#journal.path);
    if (this.#journal.isOpen && found?.ino !== this.#journal.ino) {
      const gap = await this.#readJournal(this.#journal, this.#at, true);
      await this.#journal.close();
      if (gap) return this.#reloadAll();
    }
    if (!this.#journal.isOpen && found) await this.#journal.open();
    if (!this.#journal.isCurrent(found) && (await this.#readJournal(this.#journal, this.#at, true))) return this.#reloadAll();

    // A stat first: the file is read only when it is not the version we know.
    const seen = await statIdentity(this.#path);
    if (seen && (sameIdentity(seen, this.#snapshot) || (!locked && sameIdentity(seen, this.#corrupt)))) return;
    const peek = seen && (await peekSnapshot(this.#path));
    if (!peek) {
      // A file that vanished is not an empty store: what we hold is kept, and the next write puts it back.
      this.#snapshot = undefined;
      return;
    }
    if (sameIdentity(peek.identity, this.#snapshot)) return;
    if (!locked && sameIdentity(peek.identity, this.#corrupt)) return;
    if (peek.journal && peek.journal.id === this.#at.lineage && peek.journal.seq <= this.#at.seq) {
      this.#snapshotIs(peek.identity, peek.journal.seq);
      return;
    }
    await this.#reloadAll();
  }

  /**
   * Applies the journal's new lines that follow `at`; resolves to true at a gap (lines this
   * process never saw went into a snapshot), which only a full reload can fill.
   */
  async #readJournal(journal: StoreJournal, at: Position, announce: boolean): Promise<boolean> {
    let gap = false;
    let sinceYield = 0;
    await journal.readNew(async (line) => {
      if (gap || journal.id !== at.lineage || line.seq <= at.seq) return;
      if (line.seq !== at.seq + 1) {
        gap = true;
        return;
      }
      const changes = at.state.apply(line.changes);
      at.seq = line.seq;
      if (announce) this.#announce(changes);
      // Many lines at once (a bulk removal another process wrote in batches): a turn of the event
      // loop between every few thousand changes, each line being whole and consistent.
      sinceYield += changeCount(line.changes);
      if (sinceYield >= changesPerTurn) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    });
    return gap;
  }

  /** Reads snapshot and journal from scratch and announces what differs from what we held. */
  async #reloadAll(): Promise<void> {
    let loaded: LoadedSnapshot;
    try {
      loaded = await readExistingSnapshot(this.#path);
    } catch (error) {
      if (isNotFound(error)) {
        this.#snapshot = undefined;
        return;
      }
      if (error instanceof StoreCorrupt) this.#corrupt = await statIdentity(this.#path).catch(() => undefined);
      throw error;
    }
    await this.#adopt(loaded, true);
    this.#corrupt = undefined;
  }

  /** Makes a freshly read snapshot, with its journal's lines applied, the current state. */
  async #adopt(loaded: LoadedSnapshot, announce: boolean): Promise<void> {
    const at: Position = { state: loaded.state, lineage: loaded.journal?.id, seq: loaded.journal?.seq ?? 0 };
    const journal = new StoreJournal(this.#path);
    try {
      if (await journal.open()) {
        if (await this.#readJournal(journal, at, false)) {
          throw new StoreCorrupt(
            `${journal.path}: does not continue ${this.#path} (its lines start after sequence ${at.seq + 1}); ` +
              'restore the journal that belongs to this store file, or remove it to go back to the store file alone',
          );
        }
      }
    } catch (error) {
      await journal.close();
      throw error;
    }
    const changes = announce ? await diffStates(this.#at.state, at.state) : [];
    await this.#journal.close();
    this.#journal = journal;
    this.#at = at;
    this.#snapshotIs(loaded.identity, loaded.journal?.seq ?? 0);
    this.#announce(changes);
  }

  #maybeCompact(): void {
    if (this.#compacting || this.#closed || !this.#journalMode() || Date.now() < this.#compactNotBefore) return;
    const due = Math.max(this.#options.compactMinBytes, this.#options.compactRatio * this.#snapshotBytes);
    if (this.#journal.bytes < due) return;
    this.#compacting = this.#compact()
      .catch((error: unknown) => {
        this.#compactNotBefore = Date.now() + compactionRetryMs;
        this.#options.warn(`${this.#path}: compaction failed, retrying later: ${(error as Error).message}`);
      })
      .finally(() => {
        this.#compacting = undefined;
      });
  }

  /**
   * Writes the records as of one sequence number to a new snapshot without holding the lock
   * (other writes go on), then, under the lock, puts it in place and starts a new journal with
   * the lines appended meanwhile. The snapshot goes first: a crash between the two renames leaves
   * the new snapshot with the old journal, whose lines it already holds up to its number.
   */
  async #compact(): Promise<void> {
    // Nothing changes the state while this holds #exclusive, so the copy, made a slice at a
    // time, is the records as of one sequence number. Writes wait for it (a few milliseconds).
    const base = await this.#exclusive(async () => ({
      at: { ...this.#at },
      journalIno: this.#journal.ino,
      journalOffset: this.#journal.bytes,
      snapshot: this.#snapshot,
      records: await copyRecords(this.#at.state),
    }));
    const lineage = base.at.lineage;
    if (lineage === undefined || base.journalIno === undefined || base.snapshot === undefined) return;
    const temp: TempSnapshot = await writeSnapshotTemp(this.#path, base.records, { id: lineage, seq: base.at.seq });
    let committed = false;
    try {
      await this.#exclusive(async () => {
        this.#lock = await acquireStoreLock(this.#path);
        try {
          await this.#catchUp(true);
          const unchanged =
            sameIdentity(this.#snapshot, base.snapshot) &&
            this.#journal.ino === base.journalIno &&
            this.#journal.id === lineage &&
            this.#at.lineage === lineage;
          if (!unchanged) return; // another process compacted or rewrote the store meanwhile
          const carried = await this.#journal.readRange(base.journalOffset);
          await commitSnapshot(temp, this.#path, this.#assertLocked);
          committed = true;
          this.#snapshotIs(temp.identity, base.at.seq);
          await this.#journal.replace(lineage, carried, this.#at.seq, this.#assertLocked);
        } finally {
          await this.#lock?.release().catch(() => undefined);
          this.#lock = undefined;
        }
      });
    } finally {
      if (!committed) await discardTemp(temp);
    }
  }
}

/**
 * The records to write, copied 2,000 at a time: copying 100,000 at once took 3-16 ms here, and
 * 10,000 up to 12 ms on this loaded machine.
 * The caller keeps the state from changing meanwhile (#exclusive).
 */
async function copyRecords(state: StoreState): Promise<SnapshotRecords> {
  const records = {} as Record<string, unknown[]>;
  let copied = 0;
  for (const table of tableNames) {
    const list: unknown[] = (records[table] = []);
    for (const record of state.values(table)) {
      list.push(record);
      if (++copied % recordsPerCopySlice === 0) await yieldToEventLoop();
    }
  }
  return records as unknown as SnapshotRecords;
}

const recordsPerCopySlice = 2_000;

async function statIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    return identityOf(await stat(path));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
