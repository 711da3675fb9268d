/**
 * The PostgreSQL store: the store contract (store-contract.ts) against a real server the test
 * starts (test/helpers/postgres-server.ts), and what only PostgreSQL has: migrations run once
 * however many processes start together, records written before a field existed, and a server
 * that goes away.
 */
import pg from 'pg';
import type { Test } from 'tap';
import t from 'tap';
import { openPgStore } from '../../../src/store/pg/pg-store.js';
import { describeChange, type OpenedStore, storeContract } from './store-contract.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres-server.js';

const server: PostgresServer = await startPostgres(t);

async function dump(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = ['photogate_users', 'photogate_clients', 'photogate_tokens', 'photogate_grants'];
    return await Promise.all(tables.map(async (table) => (await client.query(`SELECT * FROM ${table} ORDER BY seq`)).rows));
  } finally {
    await client.end();
  }
}

async function openPgIn(t: Test, url?: string): Promise<OpenedStore & { url: string }> {
  const database = url ?? (await server.createDatabase());
  const store = await openPgStore({ url: database, watch: false });
  t.teardown(() => store.close());
  const changes: string[] = [];
  store.onChange((change) => changes.push(describeChange(change)));
  return {
    store,
    url: database,
    changes,
    reopen: async () => (await openPgIn(t, database)).store,
    fingerprint: () => dump(database),
  };
}

t.test('the store contract', async (t) => storeContract(t, { open: (t) => openPgIn(t) }));
