/**
 * How each record kind lies in PostgreSQL (pg-migrations.ts): its table, its key column, and the
 * indexed columns taken from the record. Everything else is in `doc`. A ChangeSet (what a
 * StoreDraft collected) is written as one delete per table and an insert or update per record.
 */
import type pg from 'pg';
import type { ChangeSet, TableName, TableRecords } from '../change-set.js';
import { keyOf, recordSchemas, tableNames } from '../change-set.js';
import type { StoreState } from '../store-state.js';
import { freezeRecord } from '../store-state.js';

interface TableSpec<T extends TableName> {
  table: string;
  key: string;
  columns(record: TableRecords[T]): Record<string, string | number | null>;
}

export const pgTables: { [T in TableName]: TableSpec<T> } = {
  users: { table: 'photogate_users', key: 'username', columns: (user) => ({ username: user.username }) },
  clients: {
    table: 'photogate_clients',
    key: 'client_id',
    columns: (client) => ({ client_id: client.clientId, username: client.username }),
  },
  tokens: {
    table: 'photogate_tokens',
    key: 'id',
    columns: (token) => ({
      id: token.id,
      digest: token.digest,
      username: token.username,
      client_id: token.clientId,
      family_id: token.familyId,
      grant_type: token.grantType,
      expires_at: token.expiresAt,
    }),
  },
  grants: {
    table: 'photogate_grants',
    key: 'id',
    columns: (grant) => ({
      id: grant.id,
      digest: grant.digest,
      user_code_digest: grant.userCodeDigest,
      client_id: grant.clientId,
      username: grant.username,
      expires_at: grant.expiresAt,
    }),
  },
  signingKeys: { table: 'photogate_signing_keys', key: 'kid', columns: (key) => ({ kid: key.kid }) },
};

/** A stored document as a frozen record; defaults of fields added since it was written apply. */
export function recordFromDoc<T extends TableName>(table: T, doc: unknown): TableRecords[T] {
  return freezeRecord(table, recordSchemas[table].parse(doc));
}

/**
 * Writes a draft's net changes: deletes first (a key may be freed for a put), then the records
 * put: an UPDATE of a row the write had read (and locked), an INSERT of a new one, so that a
 * concurrent write that inserted the same key or digest first makes this one fail (23505,
 * StoreConflict) instead of being overwritten.
 */
export async function writeChangeSet(client: pg.ClientBase, changes: ChangeSet, read: StoreState): Promise<void> {
  for (const table of tableNames) {
    const spec = pgTables[table];
    const deleted = [...changes[table]].filter(([, record]) => record === null).map(([key]) => key);
    if (deleted.length > 0) await client.query(`DELETE FROM ${spec.table} WHERE ${spec.key} = ANY($1)`, [deleted]);
  }
  for (const table of tableNames) {
    for (const record of changes[table].values()) {
      if (record === null) continue;
      const existed = read.get(table, keyOf[table](record as never)) !== undefined;
      await (existed ? update : insert)(client, table, record as TableRecords[typeof table]);
    }
  }
}

async function insert<T extends TableName>(client: pg.ClientBase, table: T, record: TableRecords[T]): Promise<void> {
  const spec = pgTables[table];
  const columns = { ...spec.columns(record), doc: JSON.stringify(record) };
  const placeholders = Object.keys(columns).map((_, i) => `$${i + 1}`);
  await client.query(
    `INSERT INTO ${spec.table} (${Object.keys(columns).join(', ')}) VALUES (${placeholders.join(', ')})`,
    Object.values(columns),
  );
}

async function update<T extends TableName>(client: pg.ClientBase, table: T, record: TableRecords[T]): Promise<void> {
  const spec = pgTables[table];
  const columns = { ...spec.columns(record), doc: JSON.stringify(record) };
  const names = Object.keys(columns);
  const sets = names.map((name, i) => `${name} = $${i + 1}`);
  await client.query(
    `UPDATE ${spec.table} SET ${sets.join(', ')} WHERE ${spec.key} = $${names.length + 1}`,
    [...Object.values(columns), keyOf[table](record as never)],
  );
}
