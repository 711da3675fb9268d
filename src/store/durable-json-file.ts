/**
 * The lowdb adapter for the store file. lowdb's own JSONFile (steno) renames a fixed temp name
 * without fsync and creates the file 0644, and lowdb replaces a file holding `null` with defaults
 * (HAZARDS.md H11). Here a write is: unique 0600 temp file in the same directory, fsync, rename
 * over the target, fsync the directory; a read refuses anything that is not a store
 * (StoreCorrupt, file untouched) and a missing file is created empty with link(2), so two
 * processes creating it at once cannot replace each other's data.
 * Pinned by test/unit/store/durable-json-file.test.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorrupt } from '../errors.js';
import type { StoreData } from './records.js';
import { emptyStoreData, storeData } from './records.js';

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

export interface DurableJsonFileOptions {
  /** Called after the temp file is durable and before it replaces the store; throw to abort. */
  beforeCommit?: () => void;
}

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
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#readExisting();
      } catch (error) {
        if (!isNotFound(error) || attempt > 0) throw error;
        await this.#createEmpty();
      }
    }
  }

  async write(data: StoreData): Promise<void> {
    const temp = await this.#writeTemp(data);
    try {
      this.#beforeCommit?.();
      await rename(temp.path, this.path);
    } catch (error) {
      await unlink(temp.path).catch(() => undefined);
      throw error;
    }
    await syncDirectory(dirname(this.path));
    this.identity = temp.identity;
  }

  async #readExisting(): Promise<StoreData> {
    const handle = await open(this.path, 'r');
    try {
      const stats = await handle.stat();
      const data = parseStoreFile(await handle.readFile(), this.path);
      this.identity = identityOf(stats);
      return data;
    } finally {
      await handle.close();
    }
  }

  async #createEmpty(): Promise<void> {
    const directory = dirname(this.path);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const temp = await this.#writeTemp(emptyStoreData());
    try {
      await link(temp.path, this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temp.path).catch(() => undefined);
    }
    await syncDirectory(directory);
  }

  async #writeTemp(data: StoreData): Promise<{ path: string; identity: FileIdentity }> {
    const path = join(dirname(this.path), `.${basename(this.path)}.${randomBytes(8).toString('hex')}.tmp`);
    const handle = await open(path, 'wx', 0o600);
    try {
      await keepOwner(handle, this.path);
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`);
      await handle.sync();
      const identity = identityOf(await handle.stat());
      await handle.close();
      return { path, identity };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw error;
    }
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

/** A root CLI rewriting the gateway's store must not leave it unreadable to the gateway's user. */
async function keepOwner(handle: Awaited<ReturnType<typeof open>>, target: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(target).catch(() => undefined);
  if (owner) await handle.chown(owner.uid, owner.gid);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
