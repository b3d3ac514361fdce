// Structured JSON logs on stdout (journald keeps them). No PHI beyond the encounter id is ever logged.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'ambulink' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Secrets are referenced by file and never logged; these keys are redacted in case one slips into an object.
      redact: { paths: ['*.password', '*.passphrase', '*.privateKey', 'password', 'passphrase'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that writes nothing, for offline tools and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
