import { setImmediate } from 'node:timers/promises';

/** Lets pending I/O and timers run between two slices of a long job (issue 6: no block over 10 ms). */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
