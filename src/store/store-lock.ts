/**
 * The cross-process lock around a flush (read the journal's new lines, apply, append): without it
 * the gateway and a CLI command writing at once would append lines with the same sequence number
 * or replace each other's snapshot, and lose a write.
 * proper-lockfile makes `<store>.lock` with mkdir(2) and refreshes its mtime every second while
 * held (on a timer; the refresh's utimes runs beside a slow fsync). Another process treats it as
 * stale (its holder crashed) after 3 s without a refresh: proper-lockfile's floor is 2 s, and
 * the extra second is margin for a busy machine, since no store work blocks the event loop for
 * more than a few milliseconds any more (it used to take 10 s: a holder could block for 300 ms
 * serialising 100,000 records). So a `kill -9` in the middle of a write delays the next writer by
 * at most ~3 s. Waiters retry for up to 30 s. If the lock is lost anyway (the refresh failed for
 * 3 s), `assertHeld` refuses the append or rename.
 */
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';

const staleMs = 3_000;
const refreshMs = 1_000;
const maxWaitMs = 30_000;

export interface HeldLock {
  /** Throws when the lock was lost and another process may be writing. */
  assertHeld(): void;
  release(): Promise<void>;
}

export async function acquireStoreLock(path: string): Promise<HeldLock> {
  // A directory that is gone will not come back while we retry: fail now, not in 30 s.
  await access(dirname(path));
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(path, {
      realpath: false,
      stale: staleMs,
      update: refreshMs,
      retries: { retries: 1_000, factor: 1.2, minTimeout: 2, maxTimeout: 50, randomize: true, maxRetryTime: maxWaitMs },
      onCompromised: (error) => {
        lost = error;
      },
    });
  } catch (error) {
    throw new Error(`${path}: could not lock the store within ${maxWaitMs} ms`, { cause: error });
  }
  return {
    assertHeld() {
      if (lost) throw new Error(`${path}: lost the store lock; nothing was written`, { cause: lost });
    },
    async release() {
      if (!lost) await release();
    },
  };
}
