/**
 * The background purge of expired tokens, app passwords, refresh tokens, authorization codes and
 * device grants (issue 6 point 6). Expired credentials are refused anyway; the purge only keeps
 * the store from growing. It must never stall requests, so it walks the records a slice at a
 * time, yielding to the event loop between slices, and removes what it found in bounded batches:
 * each batch is one write, committed with whatever requests are writing at the same moment.
 * Pinned by test/unit/store/purge-expired.test.ts.
 */
import type { StoreOperation } from './store-operations.js';
import { removeExpired } from './store-operations.js';
import type { StoreState } from './store-state.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';

export interface PurgeTarget {
  /** The current state; read a slice at a time, never copied. */
  state(): StoreState;
  /** Whether the store closed meanwhile: the purge stops at the next slice. */
  closed(): boolean;
  enqueue<T>(op: StoreOperation<T>): Promise<T>;
}

/** Records looked at between two yields: well under a millisecond of work. */
const recordsPerSlice = 2_500;
/** Records removed per write: a journal line of ~20 KiB, applied by every process in well under a millisecond. */
export const purgeBatchSize = 500;

/** Removes what expired at or before `nowSeconds`; resolves to how many records went. */
export async function purgeExpired(target: PurgeTarget, nowSeconds: number): Promise<number> {
  const expired = <R extends { expiresAt: number | null }>(record: R) =>
    record.expiresAt !== null && record.expiresAt <= nowSeconds;
  let removed = 0;
  let tokenIds: string[] = [];
  let grantIds: string[] = [];
  const removeFound = async () => {
    if (tokenIds.length + grantIds.length === 0 || target.closed()) return;
    const batch = removeExpired(tokenIds, grantIds, nowSeconds);
    tokenIds = [];
    grantIds = [];
    removed += await target.enqueue(batch);
  };
  let visited = 0;
  // Map iterators stay valid while the map changes: records removed meanwhile are skipped.
  for (const [table, ids] of [
    ['tokens', () => tokenIds],
    ['grants', () => grantIds],
  ] as const) {
    for (const record of target.state().values(table)) {
      if (expired(record)) ids().push(record.id);
      if (tokenIds.length + grantIds.length >= purgeBatchSize) await removeFound();
      if (++visited % recordsPerSlice === 0) {
        await yieldToEventLoop();
        if (target.closed()) return removed;
      }
    }
  }
  await removeFound();
  return removed;
}
