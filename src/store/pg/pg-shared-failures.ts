/**
 * The brute-force limits shared by every gateway on one PostgreSQL (issue 17 point 5). A failure
 * recorded by one replica is counted in `photogate_failure_buckets` (the same token bucket,
 * computed in one atomic upsert) and NOTIFYed on `photogate_failures`; every other replica takes
 * it from its own bucket at once, and a replica that starts late loads the stored buckets. The
 * check itself stays in memory (access/failure-limiter.ts): no query on the request path.
 * Publishing never fails a request: with PostgreSQL down each replica still counts its own.
 */
import type pg from 'pg';
import type { Bucket, Limit, SharedFailures } from '../../access/failure-limiter.js';

export const failuresChannel = 'photogate_failures';
/** Buckets untouched this long are full again whatever their limit; older rows are not loaded. */
const forgetAfterMs = 24 * 60 * 60 * 1000;

interface FailureMessage {
  origin: string;
  key: string;
  atMs: number;
}

export class PgSharedFailures implements SharedFailures {
  readonly #pool: pg.Pool;
  readonly #origin: string;
  readonly #listeners = new Set<(key: string, atMs: number) => void>();

  constructor(pool: pg.Pool, origin: string) {
    this.#pool = pool;
    this.#origin = origin;
  }

  publish(key: string, limit: Limit, atMs: number): void {
    const message = JSON.stringify({ origin: this.#origin, key, atMs } satisfies FailureMessage);
    this.#pool
      .query(
        `WITH counted AS (
           INSERT INTO photogate_failure_buckets AS b (key, tokens, refilled_at_ms) VALUES ($1, $2::float8 - 1, $3::bigint)
           ON CONFLICT (key) DO UPDATE SET
             tokens = GREATEST(0, LEAST($2::float8, b.tokens + GREATEST(0, $3::bigint - b.refilled_at_ms) * $4::float8 / 60000.0) - 1),
             refilled_at_ms = $3::bigint
           RETURNING 1)
         SELECT pg_notify($5, $6) FROM counted`,
        [key, limit.burst, Math.round(atMs), limit.perMinute, failuresChannel, message],
      )
      .catch(() => undefined);
  }

  subscribe(failed: (key: string, atMs: number) => void, restore: (key: string, bucket: Bucket) => void): () => void {
    this.#listeners.add(failed);
    this.#pool
      .query<{ key: string; tokens: number; refilled_at_ms: string }>(
        'SELECT key, tokens, refilled_at_ms FROM photogate_failure_buckets WHERE refilled_at_ms > $1',
        [Date.now() - forgetAfterMs],
      )
      .then(
        ({ rows }) => {
          for (const row of rows) restore(row.key, { tokens: row.tokens, refilledAtMs: Number(row.refilled_at_ms) });
        },
        () => undefined,
      );
    return () => this.#listeners.delete(failed);
  }

  /** A NOTIFY on `photogate_failures` (pg-notifications.ts hands it over). */
  receive(payload: string): void {
    let message: FailureMessage;
    try {
      message = JSON.parse(payload) as FailureMessage;
    } catch {
      return;
    }
    if (message.origin === this.#origin || typeof message.key !== 'string') return;
    for (const listener of this.#listeners) listener(message.key, message.atMs);
  }

  /** Drops buckets full again for a day: the table stays small. */
  async forgetOld(nowMs: number): Promise<void> {
    await this.#pool.query('DELETE FROM photogate_failure_buckets WHERE refilled_at_ms < $1', [nowMs - forgetAfterMs]);
  }
}
