/**
 * What a failed PostgreSQL call means to the store's callers. A unique violation is a conflict
 * (a concurrent write took the id or digest first); a lost or refused connection, a time-out, a
 * server shutting down or out of connections means the store is unavailable (StoreUnavailable:
 * 503 temporarily_unavailable). Anything else is a bug and stays what it is (500).
 */
import pg from 'pg';
import { StoreConflict, StoreUnavailable } from '../../errors.js';

/** SQLSTATE classes of an unreachable or unusable server: 08 connection, 53 resources, 57 operator intervention. */
const unavailableClasses = new Set(['08', '53', '57']);
/** Serialization failure and deadlock: the transaction may simply be run again. */
export const retryableCodes = new Set(['40001', '40P01']);

export function translatePgError(error: unknown): unknown {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (code === '23505') return new StoreConflict(`conflict: ${error.constraint ?? 'unique key'}`);
    return unavailableClasses.has(code.slice(0, 2)) ? new StoreUnavailable(error) : error;
  }
  return error instanceof Error && isConnectionProblem(error) ? new StoreUnavailable(error) : error;
}

/**
 * Errors of the network or of the driver's connection handling (pg throws plain Errors for
 * those), never one of the store's own (StoreConflict, a TypeError from a record check).
 */
function isConnectionProblem(error: Error): boolean {
  if (error.name !== 'Error') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /connection|timeout|terminated|not queryable|Connection ended/i.test(error.message);
}
