/**
 * When each credential was last used, and from which client address (issue 14 "last used": at
 * most a minute stale, writes coalesced so a sync run costs no write per request).
 *
 * - Built once per process (lasting-parts.ts): a reload keeps what is not written yet.
 * - `record` is a Map lookup and, at most once a second per credential, a Map set: no promise,
 *   no I/O, so the cached-credential path stays synchronous (issue 6 hot path).
 * - Every `intervalMs` (30 s) the uses seen since are written in one store write
 *   (Store.recordTokenUses: forward only, so replicas and the CLI never move a time back; gone
 *   tokens skipped; no cache eviction, no NOTIFY), and once more when the process stops. A write
 *   that fails keeps its uses for the next one, unless newer ones came meanwhile.
 * - Readers in this process merge what is not written yet (`withPending`), so the account page
 *   and the sessions API are current here at once; other processes see it within the interval.
 * Pinned by test/unit/credentials/token-usage.test.ts and test/integration/account-usage.test.ts.
 */
import type { Clock } from '../clock.js';
import type { TokenRecord } from '../store/records.js';
import type { Store, TokenUse } from '../store/store.js';

/** Half the staleness the account page promises (a minute), so a use is written within it. */
export const usageFlushIntervalMs = 30_000;
/** Uses per store write: a journal line other processes apply in a few ms (as bulk removals). */
const usesPerWrite = 2_000;
/** A trusted proxy's X-Forwarded-For hop is the client's text: kept short. */
const maxAddressLength = 100;

export interface TokenUsage {
  /** Notes a use of the token with this id, now, from `address`. */
  record(tokenId: string, address: string): void;
  /** The token with this process's use merged in, when that is later than the stored one. */
  withPending(token: TokenRecord): TokenRecord;
  /** Writes the uses noted so far; resolves when written (or failed and kept). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  /** Uses not written yet (for tests and the metrics gauge). */
  readonly pending: number;
}

export interface TokenUsageDeps {
  store: Store;
  clock: Clock;
  intervalMs?: number;
  /** Runs `callback` every `ms`; returns how to stop. Tests inject their own. */
  every?: (callback: () => void, ms: number) => () => void;
  /** A write that failed (the uses are kept for the next one). */
  onError?: (error: unknown) => void;
}

interface Use {
  at: number;
  from: string;
}

const unrefInterval = (callback: () => void, ms: number) => {
  const timer = setInterval(callback, ms).unref();
  return () => clearInterval(timer);
};

export function createTokenUsage(deps: TokenUsageDeps): TokenUsage {
  const { store, clock } = deps;
  let pending = new Map<string, Use>();
  /** Uses being written: still merged by readers until the write is done. */
  let writing = new Map<string, Use>();
  let chain: Promise<void> = Promise.resolve();

  async function write(): Promise<void> {
    if (pending.size === 0) return;
    writing = pending;
    pending = new Map();
    const uses: TokenUse[] = [...writing].map(([id, use]) => ({ id, at: use.at, from: use.from }));
    try {
      for (let i = 0; i < uses.length; i += usesPerWrite) await store.recordTokenUses(uses.slice(i, i + usesPerWrite));
    } catch (error) {
      for (const [id, use] of writing) if (!pending.has(id)) pending.set(id, use);
      deps.onError?.(error);
    } finally {
      writing = new Map();
    }
  }

  const flush = () => {
    chain = chain.then(write);
    return chain;
  };
  const stop = (deps.every ?? unrefInterval)(() => void flush(), deps.intervalMs ?? usageFlushIntervalMs);

  return {
    record(tokenId, address) {
      const at = Math.floor(clock.nowMs() / 1000);
      const seen = pending.get(tokenId);
      if (seen !== undefined && seen.at === at && seen.from === address) return;
      pending.set(tokenId, { at, from: address.length > maxAddressLength ? address.slice(0, maxAddressLength) : address });
    },
    withPending(token) {
      const use = pending.get(token.id) ?? writing.get(token.id);
      if (use === undefined || (token.lastUsedAt ?? -1) >= use.at) return token;
      return Object.freeze({ ...token, lastUsedAt: use.at, lastUsedFrom: use.from });
    },
    flush,
    async close() {
      stop();
      await flush();
    },
    get pending() {
      return pending.size;
    },
  };
}
