// Waiting for something to become true, with a generous deadline: tests must not be flaky on a loaded 2-core
// machine, so they wait for conditions, never for fixed times.
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  /** What is awaited; a function is asked only on timeout (for output gathered meanwhile). */
  what: string | (() => string),
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
