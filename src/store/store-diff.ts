/**
 * What changed between the state we held and a snapshot reloaded in full (another process
 * rewrote a small store, or the file was replaced): a token revoked by the CLI must stop working
 * in the gateway within one poll, so every record that disappeared or changed is announced the
 * way StoreState.apply announces a journal line. It visits every record, so it yields to the
 * event loop every few thousand records.
 */
import type { TableName, TableRecords } from './change-set.js';
import { keyOf } from './change-set.js';
import type { StoreChange } from './store.js';
import type { StoreState } from './store-state.js';
import { announcement } from './store-state.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';

const recordsPerSlice = 5_000;
const announcedTables: readonly TableName[] = ['users', 'clients', 'tokens'];

export async function diffStates(old: StoreState, next: StoreState): Promise<StoreChange[]> {
  const changes: StoreChange[] = [];
  let visited = 0;
  for (const table of announcedTables) {
    // `old` no longer changes: it is being replaced (the caller holds the store's #exclusive).
    for (const record of old.values(table) as IterableIterator<TableRecords[TableName]>) {
      const now = next.get(table, keyOf[table](record as never));
      const change = announcement(table, record, now ?? null);
      if (change) changes.push(change);
      if (++visited % recordsPerSlice === 0) await yieldToEventLoop();
    }
  }
  return changes;
}
