// The SRT passphrase: read from a file (never inline in the YAML), checked, and kept out of every log line.
import { readFileSync } from 'node:fs';

/** SRT's own limits (10–79 characters); the character set keeps it a plain URI value for srt-live-transmit. */
const VALID = /^[A-Za-z0-9._~!$'()*+,;=:@/-]{10,79}$/;

export class PassphraseError extends Error {}

export function readPassphrase(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new PassphraseError(`cannot read the SRT passphrase file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!VALID.test(text)) {
    // Say what is wrong without quoting the secret.
    throw new PassphraseError(
      `the SRT passphrase in ${file} must be 10 to 79 characters of letters, digits and ._~!$'()*+,;=:@/- (it has ${text.length})`,
    );
  }
  return text;
}

/** Removes secrets from a line of a child's output before it is kept or logged. */
export function redactor(secrets: readonly string[]): (line: string) => string {
  const literal = secrets.filter((s) => s.length > 0);
  return (line: string) => {
    let out = line.replace(/passphrase=[^&\s'"]*/gi, 'passphrase=[redacted]').replace(/(rtsps?:\/\/)[^/@\s]*@/gi, '$1[redacted]@');
    for (const s of literal) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}
