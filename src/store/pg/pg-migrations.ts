/**
 * The PostgreSQL store's schema, as versioned migrations applied in order and recorded in
 * `photogate_migrations`. Whichever process first opens the store (a gateway at start, a CLI
 * command, `store copy` into an empty database) applies what is missing, under an advisory lock,
 * so replicas starting together migrate once and the others wait and find nothing left to do.
 *
 * Each record kind is one table: the columns lookups and cascades need (indexed) and `doc`, the
 * whole record as jsonb. A field added to a record (records.ts) travels in `doc` with no
 * migration; a migration is needed only for a new lookup or a new kind of record. `seq` keeps
 * insertion order ("oldest first", as the file store lists).
 * Pinned by test/unit/store/pg-store.test.ts.
 */
import type pg from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, clients, tokens and grants',
    sql: `
CREATE TABLE photogate_users (
  username text PRIMARY KEY,
  seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
CREATE TABLE photogate_clients (
  client_id text PRIMARY KEY,
  username text,
  seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX photogate_clients_username ON photogate_clients (username);
CREATE TABLE photogate_tokens (
  id text PRIMARY KEY,
  digest text NOT NULL UNIQUE,
  username text,
  client_id text,
  family_id text,
  grant_type text NOT NULL,
  expires_at bigint,
  seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX photogate_tokens_username ON photogate_tokens (username);
CREATE INDEX photogate_tokens_client_id ON photogate_tokens (client_id, grant_type);
CREATE INDEX photogate_tokens_family_id ON photogate_tokens (family_id);
CREATE INDEX photogate_tokens_expires_at ON photogate_tokens (expires_at);
CREATE INDEX photogate_tokens_seq ON photogate_tokens (seq);
CREATE TABLE photogate_grants (
  id text PRIMARY KEY,
  digest text NOT NULL UNIQUE,
  user_code_digest text UNIQUE,
  client_id text NOT NULL,
  username text,
  expires_at bigint NOT NULL,
  seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX photogate_grants_client_id ON photogate_grants (client_id);
CREATE INDEX photogate_grants_username ON photogate_grants (username);
CREATE INDEX photogate_grants_expires_at ON photogate_grants (expires_at);
`,
  },
  {
    version: 2,
    name: 'brute-force limit buckets shared by replicas',
    sql: `
CREATE UNLOGGED TABLE photogate_failure_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  refilled_at_ms bigint NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'OpenID Connect signing keys',
    sql: `
CREATE TABLE photogate_signing_keys (
  kid text PRIMARY KEY,
  seq bigserial NOT NULL,
  doc jsonb NOT NULL
);
`,
  },
];

/** Any constant: the key of the advisory lock migrations run under. */
const migrationLockKey = 0x70686f74; // "phot"

const createLedger = `CREATE TABLE IF NOT EXISTS photogate_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The migrations this database has not had yet, without changing anything. */
export async function pendingMigrations(client: pg.ClientBase): Promise<Migration[]> {
  const exists = await client.query<{ name: string | null }>("SELECT to_regclass('photogate_migrations')::text AS name");
  if (exists.rows[0]?.name === null) return [...migrations];
  const applied = await client.query<{ version: number }>('SELECT version FROM photogate_migrations');
  const done = new Set(applied.rows.map((row) => row.version));
  return migrations.filter((migration) => !done.has(migration.version));
}

/**
 * Applies the missing migrations, each in its own transaction, under the advisory lock; resolves
 * to those this call applied (none when another process had done it).
 */
export async function migrate(client: pg.ClientBase): Promise<Migration[]> {
  await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
  try {
    await client.query(createLedger);
    const pending = await pendingMigrations(client);
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO photogate_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return pending;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
  }
}
