/**
 * When the gateway purges expired records (issue 6 point 6): once right after start, so a restart
 * after a long stop cleans up at once, then every ten minutes. A purge runs in slices and bounded
 * batches beside the requests (purge-expired.ts), never two at a time, and stopping waits for the
 * one running, which ends at its next slice once the store closes. Expired credentials are
 * refused whether purged or not: the interval only bounds how long they take up room, so it is
 * not a setting.
 */
import type { Clock } from '../clock.js';
import { nowSeconds } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Store } from './store.js';

export const purgeIntervalMs = 10 * 60 * 1000;

export interface PurgeSchedule {
  /** Stops the timer and resolves once a purge in progress has ended. */
  stop(): Promise<void>;
}

export function schedulePurge(store: Store, clock: Clock, logger: Logger, intervalMs = purgeIntervalMs): PurgeSchedule {
  let running: Promise<void> | undefined;
  const purge = () => {
    if (running) return;
    const started = clock.nowMs();
    running = store
      .removeExpiredTokens(nowSeconds(clock))
      .then((removed) => {
        if (removed > 0) logger.info({ removed, ms: Math.round(clock.nowMs() - started) }, 'purged expired tokens and grants');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'purge failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(purge, intervalMs).unref();
  purge();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
