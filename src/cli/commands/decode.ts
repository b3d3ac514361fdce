// `ambulink decode --driver NAME [--input FILE]`: a raw capture through the same framer and decoder as the live
// driver, one canonical record per line (NDJSON). Framing statistics go to stderr.
import { createReadStream } from 'node:fs';
import { Ajv } from 'ajv';
import { findDriver, driverNames } from '../../../drivers/index.js';
import type { AnyDriver } from '../../../drivers/sdk/driver.js';
import { systemClock, type RxTime } from '../../core/clock.js';
import { isCanonicalRecord, lastRecordProblems, type CanonicalRecord } from '../../schema/index.js';
import { EXIT, fail } from '../output.js';

export interface DecodeOptions {
  driver: string;
  input?: string;
  vehicle: string;
  device: string;
  /** Fixed receive time (ISO) instead of the wall clock, for reproducible output. */
  receivedAt?: string;
  option?: string[];
}

/** The driver's options with its defaults, plus any `key=value` given on the command line. */
export function driverOptions(driver: AnyDriver, pairs: string[] = []): unknown {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) fail(`--option takes key=value, got "${pair}"`, EXIT.usage);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    options[pair.slice(0, eq)] = value;
  }
  const check = new Ajv({ useDefaults: true, strict: false, allErrors: true }).compile(driver.optionsSchema);
  if (!check(options)) {
    fail(`options for ${driver.name}: ${(check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`, EXIT.usage);
  }
  return options;
}

export async function decodeCommand(opts: DecodeOptions): Promise<number> {
  const driver = findDriver(opts.driver);
  if (!driver) fail(`no driver "${opts.driver}"; known: ${driverNames().join(', ')}`, EXIT.usage);
  if (!driver.offline) fail(`${driver.name} cannot decode captures: its transport does its own framing`, EXIT.usage);
  const fixedWall = opts.receivedAt ? Date.parse(opts.receivedAt) : undefined;
  if (fixedWall !== undefined && Number.isNaN(fixedWall)) fail(`--received-at is not an ISO time: ${opts.receivedAt}`, EXIT.usage);
  const decoder = driver.offline(driverOptions(driver, opts.option), { vehicle: opts.vehicle, device: opts.device, driver: driver.name });
  let records = 0;
  let invalid = 0;
  const out = (record: CanonicalRecord) => {
    if (!isCanonicalRecord(record)) {
      invalid++;
      process.stderr.write(`invalid record: ${JSON.stringify(lastRecordProblems())} ${JSON.stringify(record)}\n`);
      return;
    }
    records++;
    process.stdout.write(`${JSON.stringify(record)}\n`);
  };
  const rx = (): RxTime => ({ wallMs: fixedWall ?? systemClock.wallMs(), monoMs: systemClock.monoMs() });
  const input = opts.input && opts.input !== '-' ? createReadStream(opts.input) : process.stdin;
  try {
    for await (const chunk of input) decoder.push(chunk as Buffer, rx(), out);
  } catch (err) {
    fail(`cannot read ${opts.input ?? 'stdin'}: ${(err as Error).message}`);
  }
  decoder.end(rx(), out);
  const s = decoder.stats;
  process.stderr.write(
    `${driver.name}: ${s.frames} frames, ${records} records, ${s.framesDropped} frames dropped (${s.checksumErrors} checksum errors), ${s.bytesDropped} bytes skipped${invalid ? `, ${invalid} INVALID records` : ''}\n`,
  );
  return invalid > 0 ? EXIT.failure : EXIT.ok;
}
