// The encounter service (a daemon extension): open/close/show over the control socket and over the local broker
// (crew role only: …/crew/encounter/open with the patient data as JSON, …/crew/encounter/close).
import type { CrewAction, LocalBroker } from '../broker/local-broker.js';
import { ControlMethodError } from '../control/server.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { RecordGate } from '../daemon/record-gate.js';
import { checkPatient, encounterEvent, EncounterError, EncounterFile, newEncounterId, pbwOf, type Encounter } from './encounter.js';

export type EncounterListener = (current: Encounter | undefined, previous: Encounter | undefined) => void;

export class EncounterService implements Extension {
  readonly name = 'encounter';
  private current: Encounter | undefined;
  private readonly listeners: EncounterListener[] = [];
  private readonly file: EncounterFile;

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: { gate: RecordGate; broker: LocalBroker },
  ) {
    this.file = new EncounterFile(env.config.storage.dataDir);
  }

  async start(): Promise<void> {
    this.current = this.file.read();
    this.parts.gate.encounter = this.current?.id;
    const { control } = this.env;
    control.register('encounter.show', () => this.show());
    control.register('encounter.open', (params) => this.guard(() => this.open(params, `cli:${String(params.user ?? 'local')}`)));
    control.register('encounter.close', (params) => this.guard(() => this.close(`cli:${String(params.user ?? 'local')}`)));
    this.parts.broker.onCrewAction((a) => this.onCrew(a));
    this.env.statusSections.set('encounter', () => ({ open: this.current?.id ?? null }));
  }

  async stop(): Promise<void> {}

  /** The open encounter (with the patient data the interlocks need), if any. */
  get encounter(): Encounter | undefined {
    return this.current;
  }

  onChange(listener: EncounterListener): void {
    this.listeners.push(listener);
  }

  show(): { encounter: (Encounter & { pbwKgComputed: number | null }) | null } {
    const e = this.current;
    return { encounter: e ? { ...e, pbwKgComputed: pbwOf(e) ?? null } : null };
  }

  open(params: Record<string, unknown>, by: string): Encounter {
    const patient = checkPatient(params);
    const { clock } = this.env;
    const previous = this.current;
    if (previous) this.emitClose(previous);
    const id = typeof params.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(params.id) ? params.id : newEncounterId(clock.wallMs());
    const next: Encounter = { id, openedAt: new Date(clock.wallMs()).toISOString(), openedBy: by, ...patient };
    this.file.write(next);
    this.current = next;
    this.parts.gate.encounter = id;
    this.parts.gate.ingest(encounterEvent(this.env.config.vehicle.id, 'encounter.opened', id, clock.wallMs(), clock.monoMs()));
    this.env.log.info({ encounter: id, by }, 'encounter opened');
    for (const l of this.listeners) l(next, previous);
    return next;
  }

  close(by: string): { closed: string | null } {
    const previous = this.current;
    if (!previous) return { closed: null };
    this.emitClose(previous);
    this.file.write(undefined);
    this.current = undefined;
    this.env.log.info({ encounter: previous.id, by }, 'encounter closed');
    for (const l of this.listeners) l(undefined, previous);
    return { closed: previous.id };
  }

  private emitClose(e: Encounter): void {
    const { clock } = this.env;
    // Emitted while the id is still stamped, then cleared: the closing event belongs to the encounter.
    this.parts.gate.ingest(encounterEvent(this.env.config.vehicle.id, 'encounter.closed', e.id, clock.wallMs(), clock.monoMs()));
    this.parts.gate.encounter = undefined;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof EncounterError) throw new ControlMethodError('invalid', err.message);
      throw err;
    }
  }

  private onCrew(a: CrewAction): void {
    try {
      if (a.action === 'encounter/open') this.open(a.payload.length ? (JSON.parse(a.payload.toString()) as Record<string, unknown>) : {}, `crew:${a.username}`);
      else if (a.action === 'encounter/close') this.close(`crew:${a.username}`);
    } catch (err) {
      this.env.log.warn({ action: a.action, by: a.username, err: (err as Error).message }, 'crew encounter action refused');
    }
  }
}
