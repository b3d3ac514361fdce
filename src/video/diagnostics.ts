// What a camera's processes said on stderr: the last lines kept (redacted) for `ambulink video status`, and the
// known failures recognised, so that a wrong passphrase is reported as a configuration error instead of being
// retried hot, and an unplugged camera says so.
export type FailureKind =
  | 'bad-passphrase'
  | 'camera-unplugged'
  | 'device-busy'
  | 'unreachable'
  | 'input-error'
  | 'encoder-unavailable'
  | 'disk-full';

interface Rule {
  kind: FailureKind;
  pattern: RegExp;
  /** A configuration error: retrying soon cannot help, a person has to fix something. */
  config: boolean;
  text: string;
}

const RULES: readonly Rule[] = [
  { kind: 'bad-passphrase', pattern: /Incorrect passphrase|BADSECRET|SRT_REJ_BADSECRET/i, config: true, text: 'the hospital rejected the SRT passphrase' },
  { kind: 'disk-full', pattern: /No space left on device/i, config: false, text: 'the recording disk is full' },
  { kind: 'device-busy', pattern: /Device or resource busy/i, config: false, text: 'the camera is in use by another program' },
  { kind: 'camera-unplugged', pattern: /No such (file or directory|device)/i, config: false, text: 'the camera is not there (unplugged?)' },
  { kind: 'unreachable', pattern: /Connection (refused|timed out)|No route to host|Network is unreachable|Host is unreachable/i, config: false, text: 'cannot reach the camera or ingest' },
  { kind: 'encoder-unavailable', pattern: /Unknown encoder|Error while opening encoder|Failed to initialise VAAPI|Cannot load (libcuda|nvcuda)|No device available/i, config: true, text: 'the video encoder cannot be used on this box' },
  { kind: 'input-error', pattern: /Invalid data found when processing input|method DESCRIBE failed|401 Unauthorized|404 Not Found/i, config: false, text: 'the camera sent something unusable or refused the request' },
];

export interface Failure {
  kind: FailureKind;
  config: boolean;
  text: string;
  line: string;
}

/** The failure a (redacted) stderr line reports, if it is a known one. */
export function classify(line: string): Failure | undefined {
  for (const rule of RULES) {
    if (rule.pattern.test(line)) return { kind: rule.kind, config: rule.config, text: rule.text, line };
  }
  return undefined;
}

/** The last lines of a process's stderr, bounded in bytes. */
export class RingBuffer {
  private lines: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = 2048) {}

  push(line: string): void {
    const l = line.length > this.maxBytes ? line.slice(0, this.maxBytes) : line;
    this.lines.push(l);
    this.bytes += l.length + 1;
    while (this.bytes > this.maxBytes && this.lines.length > 1) this.bytes -= this.lines.shift()!.length + 1;
  }

  tail(): string[] {
    return [...this.lines];
  }
}
