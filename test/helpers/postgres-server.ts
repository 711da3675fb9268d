/**
 * A throwaway PostgreSQL server for a test file (bench/postgres-server.ts: npm-packaged binaries,
 * a free loopback port, run as `nobody` when root), stopped and deleted in teardown.
 */
import type { Test } from 'tap';
import { launchPostgres, type PostgresServer } from '../../bench/postgres-server.js';

export type { PostgresServer };

export async function startPostgres(t: Test): Promise<PostgresServer> {
  const server = await launchPostgres();
  t.teardown(() => server.destroy());
  return server;
}
