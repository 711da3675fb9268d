/**
 * The store file (the snapshot) on disk. lowdb's own JSONFile (steno) renames a fixed temp name
 * without fsync and creates the file 0644, and lowdb replaces a file holding `null` with defaults
 * (HAZARDS.md H11). Here a write is: unique 0600 temp file in the same directory, written a slice
 * at a time (snapshot-format.ts), fsync, rename over the target, fsync the directory; a read
 * refuses anything that is not a store (StoreCorrupt, file untouched) and a missing file is
 * created empty with link(2), so two processes creating it at once cannot replace each other's
 * data. DurableJsonFile is the same as a lowdb adapter.
 * Pinned by test/unit/store/durable-json-file.test.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorrupt } from '../errors.js';
import { tableNames } from './change-set.js';
import type { SnapshotJournal, StoreData } from './records.js';
import { emptyStoreData, storeData } from './records.js';
import type { SnapshotRecords } from './snapshot-format.js';
import { journalOfHeader, NotLineLayout, SnapshotLineReader, snapshotSlices } from './snapshot-format.js';
import { StoreState } from './store-state.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';

/** What tells one version of the file from another: a write always makes a new inode. */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function identityOf(stats: Stats): FileIdentity {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

export function sameIdentity(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export interface LoadedSnapshot {
  state: StoreState;
  journal: SnapshotJournal | undefined;
  identity: FileIdentity;
}

/** A snapshot written and fsync'd under a temporary name, not yet in place. */
export interface TempSnapshot {
  path: string;
  identity: FileIdentity;
}

/** About 350 KiB of records (a token is ~350 bytes): 1-2 ms of work between two yields. */
const recordsPerSlice = 1_000;
/** A chunk is parsed and indexed between two reads: ~750 records, a few milliseconds. */
const readChunkBytes = 256 * 1024;

/** Reads the snapshot (creating an empty one if there is none); throws StoreCorrupt naming the file. */
export async function readSnapshot(path: string): Promise<LoadedSnapshot> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readExistingSnapshot(path);
    } catch (error) {
      if (!isNotFound(error) || attempt > 0) throw error;
      await createEmpty(path);
    }
  }
}

/**
 * Reads the file a chunk at a time, yielding between chunks, so a reload of a big store does not
 * stall requests; a file in another layout is parsed whole.
 */
export async function readExistingSnapshot(path: string): Promise<LoadedSnapshot> {
  const handle = await open(path, 'r');
  try {
    const identity = identityOf(await handle.stat());
    let state = new StoreState();
    const reader = new SnapshotLineReader((table, record) => state.insertLoaded(table, record, path));
    try {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      const buffer = Buffer.allocUnsafe(readChunkBytes);
      for (let position = 0; ; ) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        reader.push(decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
      }
      reader.push(decoder.decode());
      reader.end();
      return { state, journal: reader.journal, identity };
    } catch (error) {
      if (!(error instanceof NotLineLayout) && !(error instanceof TypeError)) throw error;
    }
    const data = parseStoreFile(await readAll(handle, identity.size), path);
    state = new StoreState();
    for (const table of tableNames) {
      for (const record of data[table] ?? []) state.insertLoaded(table, record as never, path);
    }
    return { state, journal: data.journal, identity };
  } finally {
    await handle.close();
  }
}

/** The identity and journal pointer of the file now in place, from its first line; undefined if missing. */
export async function peekSnapshot(
  path: string,
): Promise<{ identity: FileIdentity; journal: SnapshotJournal | undefined } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const identity = identityOf(await handle.stat());
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    return { identity, journal: journalOfHeader(buffer.subarray(0, bytesRead).toString('utf8')) };
  } finally {
    await handle.close();
  }
}

/** Writes the records to a new 0600 temp file a slice at a time, yielding between slices, and fsyncs it. */
export async function writeSnapshotTemp(
  path: string,
  records: SnapshotRecords,
  journal: SnapshotJournal | undefined,
): Promise<TempSnapshot> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await keepOwner(handle, path);
    let first = true;
    for (const slice of snapshotSlices(records, journal, recordsPerSlice)) {
      if (!first) await yieldToEventLoop();
      first = false;
      await writeAll(handle, Buffer.from(slice));
    }
    await handle.sync();
    const identity = identityOf(await handle.stat());
    await handle.close();
    return { path: temp, identity };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Puts a temp snapshot in place durably; `beforeCommit` may throw to abort (the temp file is removed). */
export async function commitSnapshot(temp: TempSnapshot, path: string, beforeCommit?: () => void): Promise<void> {
  try {
    beforeCommit?.();
    await rename(temp.path, path);
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
  await syncDirectory(dirname(path));
}

export async function discardTemp(temp: { path: string }): Promise<void> {
  await unlink(temp.path).catch(() => undefined);
}

export interface DurableJsonFileOptions {
  /** Called after the temp file is durable and before it replaces the store; throw to abort. */
  beforeCommit?: () => void;
}

/** The snapshot as a lowdb adapter: whole StoreData in, whole StoreData out. */
export class DurableJsonFile implements Adapter<StoreData> {
  readonly path: string;
  /** The version last read or written by this adapter. */
  identity: FileIdentity | undefined;
  readonly #beforeCommit: (() => void) | undefined;

  constructor(path: string, options: DurableJsonFileOptions = {}) {
    this.path = path;
    this.#beforeCommit = options.beforeCommit;
  }

  async read(): Promise<StoreData> {
    const { state, journal, identity } = await readSnapshot(this.path);
    this.identity = identity;
    const data: StoreData = { version: 1, users: [], clients: [], tokens: [], grants: [], signingKeys: [] };
    if (journal) data.journal = journal;
    for (const table of tableNames) (data as Record<string, unknown>)[table] = [...state.list(table)];
    return data;
  }

  async write(data: StoreData): Promise<void> {
    const temp = await writeSnapshotTemp(this.path, data, data.journal);
    await commitSnapshot(temp, this.path, this.#beforeCommit);
    this.identity = temp.identity;
  }
}

/** Parses the bytes of a store file; anything but a store is StoreCorrupt naming the file. */
export function parseStoreFile(bytes: Uint8Array, path: string): StoreData {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new StoreCorrupt(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = storeData.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new StoreCorrupt(`${path}: not a photogate store (${problems})`, { cause: parsed.error });
  }
  return parsed.data;
}

async function createEmpty(path: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const temp = await writeSnapshotTemp(path, emptyStoreData(), undefined);
  try {
    await link(temp.path, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await discardTemp(temp);
  }
  await syncDirectory(directory);
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
}

export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

async function readAll(handle: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; ) {
    const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
    if (bytesRead === 0) return bytes.subarray(0, offset);
    offset += bytesRead;
  }
  return bytes;
}

/** A root CLI rewriting the gateway's store must not leave it unreadable to the gateway's user. */
export async function keepOwner(handle: FileHandle, target: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(target).catch(() => undefined);
  if (owner) await handle.chown(owner.uid, owner.gid);
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
