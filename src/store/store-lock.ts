/**
 * The cross-process lock around a flush (read, apply, write): without it the gateway and a CLI
 * command writing at once would each replace the other's file and lose a write.
 * proper-lockfile makes `<store>.lock` with mkdir(2) and refreshes its mtime every second while
 * held; another process treats it as stale (its holder crashed) after 10 s without a refresh,
 * so a holder stuck in slow fsyncs keeps it. Waiters retry for up to 30 s, past the stale
 * timeout, so a `kill -9` in the middle of a write delays others but never blocks them.
 * If the lock is lost anyway (the refresh failed for 10 s), `beforeCommit` refuses to rename.
 */
import { lock } from 'proper-lockfile';

const staleMs = 10_000;
const refreshMs = 1_000;
const maxWaitMs = 30_000;

export interface HeldLock {
  /** Throws when the lock was lost and another process may be writing. */
  assertHeld(): void;
  release(): Promise<void>;
}

export async function acquireStoreLock(path: string): Promise<HeldLock> {
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
