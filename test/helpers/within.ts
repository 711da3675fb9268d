/** Polls `check` every `everyMs` until it holds; resolves to the milliseconds that took, rejects past `limitMs`. */
export async function within(limitMs: number, check: () => boolean | Promise<boolean>, everyMs = 10): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return performance.now() - started;
}
