// The encounter: the patient in the vehicle now. Opened and closed by the crew (CLI, or the crew tablet over the
// local broker); while open, every record carries its id (the record gate stamps it), and the setpoint interlocks
// read the patient data they need (sex and height, or PBW, for tidal-volume limits). A change of encounter is an
// `event` record (encounter.opened / encounter.closed, detail.encounter) and invalidates pending setpoints.
// The patient data stays on the box (mode 0600); records, logs and the audit log carry the encounter id only.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isoMs } from '../core/clock.js';
import { SCHEMA_VERSION, type EventRecord } from '../schema/index.js';
import { predictedBodyWeight, type Sex } from '../setpoints/clinical.js';

export const AGE_BANDS = ['neonate', 'infant', 'child', 'adolescent', 'adult', 'older-adult'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export interface PatientData {
  sex?: Sex;
  heightCm?: number;
  /** Entered directly when the height is unknown or outside 120–220 cm. */
  pbwKg?: number;
  ageBand?: AgeBand;
  weightKg?: number;
}

export interface Encounter extends PatientData {
  id: string;
  openedAt: string;
  /** Who opened it (CLI user or crew broker user). */
  openedBy: string;
}

export class EncounterError extends Error {}

/** Checks what the crew entered; throws EncounterError with what to fix. */
export function checkPatient(input: Record<string, unknown>): PatientData {
  const out: PatientData = {};
  const num = (k: string): number | undefined => {
    const v = input[k];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new EncounterError(`${k} must be a positive number`);
    return n;
  };
  if (input.sex !== undefined) {
    const sex = String(input.sex).toLowerCase();
    if (sex === 'male' || sex === 'm') out.sex = 'male';
    else if (sex === 'female' || sex === 'f') out.sex = 'female';
    else throw new EncounterError('sex must be male or female (for predicted body weight)');
  }
  const heightCm = num('heightCm');
  const pbwKg = num('pbwKg');
  const weightKg = num('weightKg');
  if (heightCm !== undefined) {
    if ((heightCm < 120 || heightCm > 220) && pbwKg === undefined) {
      throw new EncounterError(`height ${heightCm} cm is outside 120–220 cm: enter the predicted body weight (pbwKg) instead`);
    }
    out.heightCm = heightCm;
  }
  if (pbwKg !== undefined) out.pbwKg = pbwKg;
  if (weightKg !== undefined) out.weightKg = weightKg;
  if (input.ageBand !== undefined) {
    if (!(AGE_BANDS as readonly string[]).includes(String(input.ageBand))) throw new EncounterError(`ageBand must be one of ${AGE_BANDS.join(', ')}`);
    out.ageBand = input.ageBand as AgeBand;
  }
  return out;
}

/** The predicted body weight of the encounter's patient: entered, or from sex and height; undefined if unknown. */
export function pbwOf(e: PatientData | undefined): number | undefined {
  if (!e) return undefined;
  if (e.pbwKg !== undefined) return e.pbwKg;
  if (e.sex && e.heightCm !== undefined) return predictedBodyWeight(e.sex, e.heightCm);
  return undefined;
}

export function newEncounterId(wallMs: number): string {
  const d = new Date(wallMs).toISOString();
  return `ENC-${d.slice(0, 10).replace(/-/g, '')}-${d.slice(11, 19).replace(/:/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** The open encounter, kept in one small file so it survives a restart of the daemon. */
export class EncounterFile {
  constructor(private readonly dataDir: string) {}

  private get file(): string {
    return join(this.dataDir, 'encounter.json');
  }

  read(): Encounter | undefined {
    if (!existsSync(this.file)) return undefined;
    return JSON.parse(readFileSync(this.file, 'utf8')) as Encounter;
  }

  write(e: Encounter | undefined): void {
    if (!e) return void rmSync(this.file, { force: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(e), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

export function encounterEvent(vehicle: string, event: 'encounter.opened' | 'encounter.closed', encounter: string, wallMs: number, monoMs: number): EventRecord {
  const at = isoMs(wallMs);
  return {
    kind: 'event',
    schema: SCHEMA_VERSION,
    vehicle,
    device: 'gateway',
    driver: 'ambulink',
    observedAt: at,
    receivedAt: at,
    mono: monoMs,
    event,
    detail: { encounter },
  };
}
