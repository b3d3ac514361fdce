// Human output helpers for the CLI: aligned tables, ages, exit codes.
export const EXIT = {
  ok: 0,
  /** The thing asked about is not fine: invalid config, a device down, a failed check. */
  failure: 1,
  usage: 2,
  /** The daemon is not running (or not reachable). */
  notRunning: 3,
} as const;

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function age(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 90_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 5_400_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function fail(message: string, code: number = EXIT.failure): never {
  process.stderr.write(`ambulink: ${message}\n`);
  process.exit(code);
}

/**
 * Ends the process once what was written to stdout and stderr has been handed over (a pipe takes it asynchronously:
 * process.exit alone can cut off the last lines when the reader is slow), or after `maxWaitMs` whatever is left —
 * for a command that must end now even though something it started (a socket, a timer) would keep the process.
 */
export function exitAfterOutput(code: number, maxWaitMs = 500): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  setTimeout(() => process.exit(code), maxWaitMs);
}
