// The crew's clinical entries as a daemon extension: over the control socket (`ambulink crew …`, method crew.enter)
// and over the local broker (crew role only: …/crew/acvpu, …/crew/oxygen, …/crew/spo2-scale, …/crew/milestone,
// …/crew/pre-arrival-alert, …/crew/eta, …/crew/mechanism, payload the plain word or a JSON object). Each accepted entry is an `event` record.
import type { CrewAction as BrokerCrewAction, LocalBroker } from '../broker/local-broker.js';
import { isoMs } from '../core/clock.js';
import { ControlMethodError } from '../control/server.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { RecordGate } from '../daemon/record-gate.js';
import { SCHEMA_VERSION, type EventRecord } from '../schema/index.js';
import { CREW_ACTIONS, CrewInputError, parseCrewEntry, payloadParams } from './crew-input.js';

export class CrewInputService implements Extension {
  readonly name = 'crew-input';

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: { gate: RecordGate; broker: LocalBroker },
  ) {}

  async start(): Promise<void> {
    this.env.control.register('crew.enter', (params) => {
      try {
        return this.enter(String(params.action ?? ''), params, `cli:${String(params.user ?? 'local')}`);
      } catch (err) {
        if (err instanceof CrewInputError) throw new ControlMethodError('invalid', err.message);
        throw err;
      }
    });
    this.parts.broker.onCrewAction((a) => this.onBroker(a));
  }

  async stop(): Promise<void> {}

  /** Checks one entry and publishes it; returns the event record. Throws CrewInputError saying what to fix. */
  enter(action: string, params: Record<string, unknown>, by: string): EventRecord {
    const { clock, config } = this.env;
    const entry = parseCrewEntry(action, params, clock.wallMs());
    const at = isoMs(clock.wallMs());
    const record: EventRecord = {
      kind: 'event',
      schema: SCHEMA_VERSION,
      vehicle: config.vehicle.id,
      device: 'gateway',
      driver: 'crew',
      observedAt: at,
      receivedAt: at,
      mono: clock.monoMs(),
      event: entry.event,
      detail: { ...entry.detail, by },
    };
    this.parts.gate.ingest(record);
    this.env.log.info({ event: entry.event, by }, 'crew entry');
    return record;
  }

  private onBroker(a: BrokerCrewAction): void {
    if (!(CREW_ACTIONS as readonly string[]).includes(a.action)) return;
    try {
      this.enter(a.action, payloadParams(a.payload), `crew:${a.username}`);
    } catch (err) {
      if (!(err instanceof CrewInputError)) throw err;
      this.env.log.warn({ action: a.action, by: a.username, err: err.message }, 'crew entry refused');
    }
  }
}
