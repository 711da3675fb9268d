/**
 * Hands each change to each listener, for both stores. A listener that throws is a bug: it is
 * reported as uncaught, and the other listeners still run. The set is copied first, so a
 * listener may unsubscribe itself.
 */
import type { StoreChange } from './store.js';

export function announceChanges(listeners: ReadonlySet<(change: StoreChange) => void>, changes: readonly StoreChange[]): void {
  for (const change of changes) {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
