// A POCT1-A cartridge analyser (blood gas and troponin I panels, i-STAT-style ids) that dials the gateway: HEL, DST,
// then whatever the data manager asks — it sets its clock on SET_TIME, sends its queued results on REQ ROBS (one OBS
// per ACK, then EOT), stays on the line and reports each new result at once after START_CONTINUOUS (with KPA
// keep-alives), or hangs up on END and calls again when it has a new result. QC runs arrive as OBS.R02.
import { randomBytes } from 'node:crypto';
import { SimPatient, formatValue, type Panel, type SimResult } from '../lab/physiology.js';
import { openSimPort, type SimPort } from '../sdk/sim-port.js';
import { SimParamError, numberParam, type SimulatorDefinition } from '../sdk/simulator.js';
import { Poct1Framer, type Poct1Message } from './framer.js';
import { ack, ackOf, isoWithOffset, message, v } from './messages.js';
import { child, valueOf } from './xml.js';

export interface Poct1DeviceOptions {
  everyMs: number;
  firstMs: number;
  panel: Panel;
  /** Probability per sample of a QC run (OBS.R02) instead of a patient test. */
  qc: number;
  /** Probability per message of junk bytes on the line before it. */
  garbage: number;
  patient: string;
  operator: string;
  /** How wrong the device clock is until the gateway sets it, in ms. */
  clockOffsetMs: number;
  keepAliveMs: number;
}

export const defaultDeviceOptions: Poct1DeviceOptions = {
  everyMs: 60_000,
  firstMs: 1000,
  panel: 'full',
  qc: 0,
  garbage: 0,
  patient: 'AMB-7781',
  operator: 'medic12',
  clockOffsetMs: 0,
  keepAliveMs: 30_000,
};

/** i-STAT-style names for the analytes the simulated patient produces. */
const DEVICE_IDS: Record<string, string> = {
  pCO2: 'PCO2',
  pO2: 'PO2',
  'cHCO3-': 'HCO3',
  'cBase(Ecf)': 'BEecf',
  cLac: 'Lac',
  'cK+': 'K',
  'cNa+': 'Na',
  'cCa2+': 'iCa',
  cGlu: 'Glu',
  ctHb: 'Hb',
};

export interface Poct1DeviceStats {
  conversations: number;
  observationsSent: number;
  acksReceived: number;
  /** Host messages by type (DTV.R01, REQ.R01, END.R01 …). */
  hostMessages: Record<string, number>;
  clockSet: boolean;
  continuous: boolean;
}

interface Pending {
  type: 'OBS.R01' | 'OBS.R02';
  body: string;
}

export class Poct1Device {
  readonly stats: Poct1DeviceStats = {
    conversations: 0,
    observationsSent: 0,
    acksReceived: 0,
    hostMessages: {},
    clockSet: false,
    continuous: false,
  };
  private readonly framer = new Poct1Framer();
  private readonly patient: SimPatient;
  private controlId = 100;
  private awaiting: string | undefined;
  private outbox: Array<{ type: string; body: string }> = [];
  private results: Pending[] = [];
  private connected = false;
  private sampleTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private clockOffsetMs: number;

  constructor(
    private readonly port: SimPort,
    private readonly o: Poct1DeviceOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.patient = new SimPatient(random);
    this.clockOffsetMs = o.clockOffsetMs;
  }

  start(): void {
    this.port.onPeer(() => this.hello());
    this.port.onData((chunk) => this.framer.push(chunk, (m) => this.onMessage(m)));
    this.sampleTimer = setTimeout(() => this.sample(), this.o.firstMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sampleTimer);
    clearInterval(this.keepAliveTimer);
    await this.port.close();
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private hello(): void {
    this.connected = true;
    this.framer.reset();
    this.awaiting = undefined;
    this.outbox = [];
    this.stats.conversations++;
    this.stats.continuous = false;
    this.queue(
      'HEL.R01',
      `<DEV>${v('DEV.device_id', 'POC-SIM-01')}${v('DEV.vendor_id', 'ambulink')}${v('DEV.model_id', 'CartridgeSim 300')}` +
        `${v('DEV.serial_id', 'SIM000123')}${v('DEV.sw_version', '1.0')}</DEV>` +
        `<DCP>${v('DCP.application_timeout', '30')}</DCP>` +
        `<DSC>${v('DSC.connection_profile_cd', 'CS')}${v('DSC.topics_supported_cd', 'OBS')}` +
        `${v('DSC.directives_supported_cd', 'SET_TIME')}${v('DSC.directives_supported_cd', 'START_CONTINUOUS')}${v('DSC.max_message_sz', '65536')}</DSC>`,
    );
    this.queue(
      'DST.R01',
      `<DST>${v('DST.status_dttm', isoWithOffset(this.now()))}${v('DST.new_observations_qty', String(this.results.length))}${v('DST.condition_cd', 'R')}</DST>`,
    );
  }

  private onMessage(m: Poct1Message): void {
    if (m.type === 'ACK.R01') {
      if (ackOf(m.root).acked === this.awaiting) {
        this.stats.acksReceived++;
        this.awaiting = undefined;
        this.pump();
      }
      return;
    }
    this.stats.hostMessages[m.type] = (this.stats.hostMessages[m.type] ?? 0) + 1;
    if (m.controlId !== undefined) this.raw(ack(this.controlId++, m.controlId, 'AA', this.now()));
    switch (m.type) {
      case 'DTV.R01': {
        const command = valueOf(child(m.root, 'DTV'), 'DTV.command_cd');
        if (command === 'SET_TIME') {
          const to = Date.parse(valueOf(child(m.root, 'TM'), 'TM.dttm') ?? '');
          if (Number.isFinite(to)) {
            this.clockOffsetMs = to - Date.now();
            this.stats.clockSet = true;
          }
        } else if (command === 'START_CONTINUOUS') {
          this.stats.continuous = true;
          clearInterval(this.keepAliveTimer);
          this.keepAliveTimer = setInterval(() => this.keepAlive(), this.o.keepAliveMs);
          this.flushResults(false);
        }
        return;
      }
      case 'REQ.R01':
        return this.flushResults(true);
      case 'END.R01':
        // The conversation is over: hang up and call again when the next result is due.
        clearInterval(this.keepAliveTimer);
        this.connected = false;
        setTimeout(() => this.port.hangUp(this.o.everyMs), 200);
        return;
      default:
        return;
    }
  }

  private sample(): void {
    if (this.stopped) return;
    const qc = this.random() < this.o.qc;
    this.results.push(qc ? this.qcObservation() : this.patientObservation());
    if (this.connected && this.stats.continuous) this.flushResults(false);
    this.sampleTimer = setTimeout(() => this.sample(), this.o.everyMs);
  }

  private flushResults(withEot: boolean): void {
    const batch = this.results;
    this.results = [];
    for (const r of batch) {
      this.queue(r.type, r.body);
      this.stats.observationsSent++;
    }
    if (withEot) this.queue('EOT.R01', `<EOT>${v('EOT.topic_cd', 'OBS')}</EOT>`);
  }

  private keepAlive(): void {
    if (this.connected && !this.awaiting && this.outbox.length === 0) {
      this.queue('KPA.R01', `<KPA>${v('KPA.status_dttm', isoWithOffset(this.now()))}</KPA>`);
    }
  }

  private queue(type: string, body: string): void {
    this.outbox.push({ type, body });
    this.pump();
  }

  /** One message at a time: the next goes when the gateway acknowledged the last. */
  private pump(): void {
    if (this.awaiting || !this.connected) return;
    const next = this.outbox.shift();
    if (!next) return;
    const id = String(this.controlId++);
    this.awaiting = id;
    this.raw(message(next.type, id, this.now(), next.body));
  }

  private raw(text: string): void {
    if (this.random() < this.o.garbage) this.port.write(randomBytes(1 + Math.floor(this.random() * 40)));
    this.port.write(Buffer.from(text, 'utf8'));
  }

  private observations(results: SimResult[]): string {
    return results
      .map((r) => {
        // Troponin goes out under its LOINC code, as some devices do; the rest under the device's own ids.
        const id =
          r.id === 'cTnI'
            ? v('OBS.observation_id', '10839-9', { SN: 'LN', DN: 'cTnI' })
            : v('OBS.observation_id', DEVICE_IDS[r.id] ?? r.id, { SN: 'ambulink', DN: r.id });
        return (
          `<OBS>${id}${v('OBS.value', formatValue(r), r.unit ? { U: r.unit } : {})}${v('OBS.method_cd', 'M')}` +
          `${v('OBS.interpretation_cd', r.flag)}${v('OBS.normal_lo-hi_limit', `[${r.low};${r.high}]`, r.unit ? { U: r.unit } : {})}</OBS>`
        );
      })
      .join('');
  }

  private patientObservation(): Pending {
    const at = isoWithOffset(this.now());
    return {
      type: 'OBS.R01',
      body:
        `<SVC>${v('SVC.role_cd', 'OBS')}${v('SVC.observation_dttm', at)}${v('SVC.reason_cd', 'NEW')}` +
        `<PT>${v('PT.patient_id', this.o.patient)}${this.observations(this.patient.sample(this.o.panel))}</PT>` +
        `<OPR>${v('OPR.operator_id', this.o.operator)}</OPR><SPC>${v('SPC.type_cd', 'ART')}</SPC></SVC>`,
    };
  }

  private qcObservation(): Pending {
    const at = isoWithOffset(this.now());
    return {
      type: 'OBS.R02',
      body:
        `<SVC>${v('SVC.role_cd', 'LQC')}${v('SVC.observation_dttm', at)}${v('SVC.reason_cd', 'NEW')}` +
        `<CTC>${v('CTC.name', 'Level 2')}${v('CTC.lot_number', 'QC2-LOT4711')}${this.observations(this.patient.qc(this.o.panel))}</CTC>` +
        `<OPR>${v('OPR.operator_id', this.o.operator)}</OPR></SVC>`,
    };
  }
}

export const poct1aSimulator: SimulatorDefinition = {
  summary: 'POCT1-A cartridge analyser (blood gas and troponin I) that dials the gateway',
  endpoints: ['tcp-client'],
  params: [
    { name: 'every', description: 'seconds between tests', default: '60' },
    { name: 'first', description: 'seconds before the first test', default: '1' },
    { name: 'panel', description: 'bloodgas | cardiac | full', default: 'full' },
    { name: 'qc', description: 'probability per test of a QC run (OBS.R02)', default: '0' },
    { name: 'garbage', description: 'probability per message of junk bytes before it', default: '0' },
    { name: 'patient', description: 'patient id', default: 'AMB-7781' },
    { name: 'operator', description: 'operator id', default: 'medic12' },
    { name: 'clock-offset', description: 'seconds the device clock is wrong until the gateway sets it', default: '0' },
    { name: 'keepalive', description: 'seconds between keep-alives in continuous mode', default: '30' },
  ],
  async start({ endpoint, params, log }) {
    const panel = params.panel ?? 'full';
    if (panel !== 'bloodgas' && panel !== 'cardiac' && panel !== 'full') throw new SimParamError(`--panel must be bloodgas, cardiac or full, got "${panel}"`);
    const options: Poct1DeviceOptions = {
      everyMs: numberParam(params, 'every', 60) * 1000,
      firstMs: numberParam(params, 'first', 1) * 1000,
      panel,
      qc: numberParam(params, 'qc', 0),
      garbage: numberParam(params, 'garbage', 0),
      patient: params.patient ?? defaultDeviceOptions.patient,
      operator: params.operator ?? defaultDeviceOptions.operator,
      clockOffsetMs: numberParam(params, 'clock-offset', 0) * 1000,
      keepAliveMs: numberParam(params, 'keepalive', 30) * 1000,
    };
    const port = await openSimPort(endpoint, log);
    const device = new Poct1Device(port, options);
    device.start();
    return {
      description: `${port.description}, a ${options.panel} test every ${options.everyMs / 1000} s`,
      stop: () => device.stop(),
    };
  },
};
