// Load for the benchmark: virtual GPS receivers whose bytes go through the real nmea0183 framer and decoder and the
// canonical-record validator, as in the daemon (decode → validate), at a chosen rate or as fast as the pipeline takes
// them. The epochs come from the gpsd capture shipped as a fixture (its cycles, as the simulator cuts them), with
// increasing times so that every epoch is a new fix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NmeaDecoder } from '../../drivers/nmea0183/decoder.js';
import { NmeaFramer } from '../../drivers/nmea0183/framer.js';
import { epochsOf, retime, sentence } from '../../drivers/nmea0183/simulator.js';
import type { RxTime } from '../../src/core/clock.js';
import { packageRoot } from '../../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord } from '../../src/schema/index.js';

const WANTED = /^..(RMC|GGA|VTG),/;

/** Pre-rendered epochs (bytes on the wire), each a complete fix with its own time. */
export function renderEpochs(count: number): Buffer[] {
  const text = readFileSync(join(packageRoot(), 'fixtures/nmea0183/bt451.log'), 'latin1');
  const fixes = epochsOf(text)
    .map((e) => e.bodies.filter((b) => WANTED.test(b)))
    .filter((bodies) => bodies.length === 3 && bodies.some((b) => /^..RMC,[^,]*,A,/.test(b)));
  if (fixes.length === 0) throw new Error('no fixes in the fixture');
  const out: Buffer[] = [];
  const start = Date.UTC(2026, 10, 25, 8, 0, 0);
  for (let i = 0; i < count; i++) {
    const now = new Date(start + i * 10);
    out.push(Buffer.from(fixes[i % fixes.length]!.map((b) => sentence(retime(b, now))).join(''), 'latin1'));
  }
  return out;
}

export interface VirtualDevice {
  readonly id: string;
  push(bytes: Buffer, rx: RxTime): void;
}

/**
 * `devices` receivers; every valid record goes to `sink` (the outbox), an invalid one is counted (there should be
 * none). Returns the devices and the count of rejected records.
 */
export function virtualReceivers(vehicle: string, devices: number, sink: (r: CanonicalRecord, rx: RxTime) => void): { devices: VirtualDevice[]; rejected: () => number } {
  let rejected = 0;
  const list: VirtualDevice[] = [];
  for (let d = 0; d < devices; d++) {
    const id = `gps${d}`;
    const framer = new NmeaFramer();
    const decoder = new NmeaDecoder({ vehicle, device: id, driver: 'nmea0183' });
    let rxNow: RxTime = { wallMs: 0, monoMs: 0 };
    const out = (r: CanonicalRecord) => {
      if (isCanonicalRecord(r)) sink(r, rxNow);
      else rejected++;
    };
    const emit = (body: string) => decoder.decode(body, rxNow, out);
    list.push({
      id,
      push(bytes, rx) {
        rxNow = rx;
        framer.push(bytes, emit);
      },
    });
  }
  return { devices: list, rejected: () => rejected };
}
