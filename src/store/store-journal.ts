/**
 * The journal next to the snapshot (`<store>.journal`): JSON lines, appended under the store lock
 * and fdatasync'd once per group commit, so a write costs its own size, not the store's (issue 6
 * point 4). Its first line names it, `{"journal":"<id>"}`, and only the snapshot whose pointer
 * carries that id takes its lines; every other line is one ChangeSet with a sequence number one
 * above the line before it (change-set.ts).
 *
 * A reader keeps the journal open and reads only what was appended after the offset it reached;
 * when compaction puts a new file in place, what is left in the old one is read through the open
 * handle first, so no line is missed. Only complete lines are taken: bytes after the last newline
 * are a write in progress, or one cut short by a crash, which is never acknowledged; the next
 * writer, holding the lock, knows which and cuts them off. A complete line that does not parse,
 * or a sequence number out of order, is StoreCorrupt naming the file and the line.
 * Pinned by test/unit/store/store-journal.test.ts.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreCorrupt } from '../errors.js';
import type { ChangeSet } from './change-set.js';
import { decodeChangeLine } from './change-set.js';
import type { FileIdentity } from './durable-json-file.js';
import {
  discardTemp,
  identityOf,
  isNotFound,
  keepOwner,
  sameIdentity,
  syncDirectory,
  tempPathFor,
  writeAll,
} from './durable-json-file.js';

export interface JournalLine {
  seq: number;
  changes: ChangeSet;
}

const readChunkBytes = 256 * 1024;

export class StoreJournal {
  readonly path: string;
  readonly #storePath: string;
  #handle: FileHandle | undefined;
  #appender: FileHandle | undefined;
  #ino: number | undefined;
  /** The journal's id from its first line; undefined until that line has been read. */
  #id: string | undefined;
  /** Bytes taken so far: the end of the last complete line read or appended. */
  #offset = 0;
  /** The file's size when last read: more than #offset while a line is incomplete. */
  #seenSize = 0;
  /** The file as it was when last read or appended to: unchanged means nothing to read. */
  #seen: FileIdentity | undefined;
  #lines = 0;
  #lastSeq: number | undefined;

  constructor(storePath: string) {
    this.#storePath = storePath;
    this.path = `${storePath}.journal`;
  }

  get isOpen(): boolean {
    return this.#handle !== undefined;
  }

  get id(): string | undefined {
    return this.#id;
  }

  get ino(): number | undefined {
    return this.#ino;
  }

  /** Bytes of complete lines: what compaction would fold into the snapshot. */
  get bytes(): number {
    return this.#offset;
  }

  /** Whether bytes after the last complete line were seen (a write in progress or cut short). */
  get hasIncompleteTail(): boolean {
    return this.#seenSize > this.#offset;
  }

  /** Whether the file in place is the one open here, unchanged since it was last read or appended to. */
  isCurrent(found: FileIdentity | undefined): boolean {
    if (!found) return this.#handle === undefined;
    return sameIdentity(found, this.#seen);
  }

  /** Opens the file in place to follow it from its start; resolves to false when there is none. */
  async open(): Promise<boolean> {
    await this.close();
    try {
      this.#handle = await open(this.path, 'r');
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    this.#ino = (await this.#handle.stat()).ino;
    return true;
  }

  /**
   * Reads every complete line appended since the last read and hands each data line to `take`;
   * the first line, the journal's id, is kept in `id`. Resolves once the end is reached.
   */
  async readNew(take: (line: JournalLine) => Promise<void> | void): Promise<void> {
    const handle = this.#handle;
    if (!handle) return;
    this.#seen = identityOf(await handle.stat());
    const buffer = Buffer.allocUnsafe(readChunkBytes);
    let pending: Buffer = Buffer.alloc(0);
    for (let position = this.#offset; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      this.#seenSize = Math.max(this.#seenSize, position);
      let chunk = Buffer.concat([pending, buffer.subarray(0, bytesRead)]);
      for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a)) {
        const line = chunk.subarray(0, newline + 1);
        chunk = chunk.subarray(newline + 1);
        const entry = this.#parse(line);
        this.#offset += line.length;
        if (entry) await take(entry);
      }
      pending = Buffer.from(chunk);
    }
  }

  /**
   * Cuts off an incomplete last line. Only a writer holding the store lock may call this: then
   * nobody is appending, and those bytes are a write that was never acknowledged.
   */
  async dropIncompleteTail(): Promise<number> {
    if (!this.hasIncompleteTail) return 0;
    const dropped = this.#seenSize - this.#offset;
    const appender = await this.#openAppender();
    await appender.truncate(this.#offset);
    await appender.datasync();
    this.#seenSize = this.#offset;
    this.#seen = identityOf(await appender.stat());
    return dropped;
  }

  /** Appends one line durably (fdatasync); the caller holds the store lock and has read to the end. */
  async append(seq: number, text: string): Promise<void> {
    const bytes = Buffer.from(text);
    const appender = await this.#openAppender();
    await writeAll(appender, bytes);
    await appender.datasync();
    this.#offset += bytes.length;
    this.#seenSize = this.#offset;
    this.#seen = identityOf(await appender.stat());
    this.#lines++;
    this.#lastSeq = seq;
  }

  /** The bytes of complete lines from `from` to the end of what was read: the tail compaction keeps. */
  async readRange(from: number): Promise<Buffer> {
    const handle = this.#handle;
    if (!handle || from > this.#offset) throw new Error(`${this.path}: no such range`);
    const bytes = Buffer.alloc(this.#offset - from);
    for (let read = 0; read < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, from + read);
      if (bytesRead === 0) throw new Error(`${this.path}: shorter than read before`);
      read += bytesRead;
    }
    return bytes;
  }

  /**
   * Puts a new journal in place durably: its id line, then `lines` (whole lines, already
   * applied here, the last of them numbered `lastSeq`), and follows it from their end. The caller
   * holds the store lock; `beforeCommit` may throw to abort.
   */
  async replace(id: string, lines: Buffer, lastSeq: number | undefined, beforeCommit: () => void): Promise<void> {
    const header = Buffer.from(`${JSON.stringify({ journal: id })}\n`);
    const temp = tempPathFor(this.path);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await keepOwner(handle, this.#storePath);
      await writeAll(handle, Buffer.concat([header, lines]));
      await handle.sync();
      const { ino } = await handle.stat();
      await handle.close();
      beforeCommit();
      await rename(temp, this.path);
      await syncDirectory(dirname(this.path));
      await this.close();
      this.#handle = await open(this.path, 'r');
      if ((await this.#handle.stat()).ino !== ino) throw new Error(`${this.path}: replaced while the store was locked`);
      this.#ino = ino;
      this.#id = id;
      this.#offset = header.length + lines.length;
      this.#seenSize = this.#offset;
      this.#seen = identityOf(await this.#handle.stat());
      this.#lines = 1 + countLines(lines);
      this.#lastSeq = lastSeq;
    } catch (error) {
      await handle.close().catch(() => undefined);
      await discardTemp({ path: temp });
      throw error;
    }
  }

  async close(): Promise<void> {
    const handles = [this.#handle, this.#appender];
    this.#handle = undefined;
    this.#appender = undefined;
    this.#ino = undefined;
    this.#id = undefined;
    this.#offset = 0;
    this.#seenSize = 0;
    this.#seen = undefined;
    this.#lines = 0;
    this.#lastSeq = undefined;
    await Promise.all(handles.map((handle) => handle?.close().catch(() => undefined)));
  }

  async #openAppender(): Promise<FileHandle> {
    if (this.#appender) return this.#appender;
    const appender = await open(this.path, 'a');
    if ((await appender.stat()).ino !== this.#ino) {
      await appender.close();
      throw new Error(`${this.path}: replaced while the store was locked`);
    }
    this.#appender = appender;
    return appender;
  }

  /** One complete line: the id line first, then change lines numbered one apart. */
  #parse(line: Buffer): JournalLine | undefined {
    const number = this.#lines + 1;
    const corrupt = (why: string) => new StoreCorrupt(`${this.path}: line ${number}: ${why}`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(line);
    } catch {
      throw corrupt('not UTF-8');
    }
    if (number === 1) {
      const id = /^\{"journal":"([0-9a-f]{32})"\}\n$/.exec(text)?.[1];
      if (id === undefined) throw corrupt('not a photogate journal');
      this.#id = id;
      this.#lines = number;
      return undefined;
    }
    let entry: JournalLine;
    try {
      entry = decodeChangeLine(text);
    } catch (error) {
      throw corrupt((error as Error).message);
    }
    if (this.#lastSeq !== undefined && entry.seq !== this.#lastSeq + 1) {
      throw corrupt(`sequence ${entry.seq} follows ${this.#lastSeq}`);
    }
    this.#lastSeq = entry.seq;
    this.#lines = number;
    return entry;
  }
}

function countLines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}
