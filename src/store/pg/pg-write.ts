/**
 * One write of the PostgreSQL store: BEGIN; read the rows its scope names `FOR UPDATE` into a
 * StoreState; run the file store's own operation (store-operations.ts) on a StoreDraft over it;
 * write what the draft changed and NOTIFY the changes (pg-notifications.ts); COMMIT. The row
 * locks make read-check-write atomic: of two replicas consuming one code, the second waits, reads
 * the first's committed row and conflicts. A deadlock or serialization failure runs it again; a
 * lost connection rejects with StoreUnavailable, and nothing was acknowledged.
 */
import type pg from 'pg';
import type { TableName } from '../change-set.js';
import { keyOf } from '../change-set.js';
import { StoreDraft } from '../store-draft.js';
import type { OperationOutcome, StoreOperation } from '../store-operations.js';
import { StoreState } from '../store-state.js';
import { changePayloads, channel } from './pg-notifications.js';
import { retryableCodes, translatePgError } from './pg-errors.js';
import { pgTables, recordFromDoc, writeChangeSet } from './pg-tables.js';

/** What a write reads before running its operation. */
export type Scope = (load: Loader) => Promise<unknown>;

export interface Loader {
  /** Adds the rows `where` selects (locked until the end of the transaction), oldest first; resolves to how many. */
  rows(table: TableName, where: string, params: unknown[], limit?: number): Promise<number>;
  client: pg.PoolClient;
}

export async function writeInTransaction<T>(pool: pg.Pool, origin: string, scope: Scope, op: StoreOperation<T>): Promise<OperationOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient | undefined;
    let broken = false;
    try {
      client = await pool.connect();
      await client.query('BEGIN');
      const state = new StoreState();
      await scope(loader(client, state));
      const draft = new StoreDraft(state);
      const outcome = op(draft);
      if (draft.dirty) {
        await writeChangeSet(client, draft.changes, state);
        for (const payload of changePayloads(origin, outcome.changes)) {
          await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        }
      }
      await client.query('COMMIT');
      return outcome;
    } catch (error) {
      if (client) await client.query('ROLLBACK').catch(() => (broken = true));
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && retryableCodes.has(code) && attempt < 5) continue;
      throw translatePgError(error);
    } finally {
      client?.release(broken);
    }
  }
}

function loader(client: pg.PoolClient, state: StoreState): Loader {
  return {
    client,
    async rows(table, where, params, limit) {
      const spec = pgTables[table];
      const limited = limit === undefined ? '' : ` LIMIT ${limit}`;
      const result = await client.query<{ doc: unknown }>(
        `SELECT doc FROM ${spec.table} WHERE ${where} ORDER BY seq${limited} FOR UPDATE`,
        params,
      );
      for (const row of result.rows) {
        const record = recordFromDoc(table, row.doc);
        if (!state.get(table, keyOf[table](record as never))) state.insertLoaded(table, record, spec.table);
      }
      return result.rows.length;
    },
  };
}
