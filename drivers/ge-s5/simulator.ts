// A GE S/5 monitor on a pty (or behind a serial-to-LAN converter, TCP): silent until asked, then displayed values at
// the requested interval, waveforms at their true sample rates, and alarm status in differential mode — from a
// simulated patient whose scenario tells a story (stemi, desaturation). Faults on request: random garbage between
// frames, frames with a bad checksum, and a silent spell after which the monitor has forgotten every request (as
// after a power cycle), which the gateway must notice and ask again.
import { openSimPort } from '../sdk/sim-port.js';
import { SCENARIOS, SimPatient, isScenario, type SimAlarm } from '../sdk/sim-patient.js';
import { SimParamError, numberParam, type RunningSimulator, type SimStartContext, type SimulatorDefinition } from '../sdk/simulator.js';
import { ESC, FLAG, GeS5Framer, encodeFrame } from './framer.js';
import { alarmStatusRecord, displayedValuesRecord, waveRecord } from './monitor.js';
import {
  ALARM_DIFF_OFF,
  ALARM_DIFF_ON,
  ALARM_STATUS_ONCE,
  MT_ALARM,
  MT_PHDB,
  MT_WAVE,
  SR_PHDB_DISPLAYED,
  WAVE_START,
  readHeader,
  readPhdbRequest,
  readWaveRequest,
  subrecords,
} from './record.js';
import { waveById, type WaveType } from './waves.js';

/** Wave records go out this often; each carries the samples due since the last one. */
const WAVE_TICK_MS = 50;
/** Differential alarm updates are at least this far apart (GE: ≥ 2 s). */
const ALARM_MIN_GAP_MS = 2000;

interface ActiveWave {
  wave: WaveType;
  /** Samples sent since the wave was started (its sample clock starts at epochMs). */
  sent: number;
  epochMs: number;
}

function garbage(random: () => number): Buffer {
  const b = Buffer.alloc(1 + Math.floor(random() * 40));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** A frame with one payload byte changed after the checksum was computed: the gateway must reject it. */
function corrupted(frame: Buffer, random: () => number): Buffer {
  const bad = Buffer.from(frame);
  for (let tries = 0; tries < 16; tries++) {
    const i = 1 + Math.floor(random() * (bad.length - 2));
    const b = bad[i]!;
    if (b === FLAG || b === ESC || bad[i - 1] === ESC) continue;
    let flipped = b ^ (1 << Math.floor(random() * 8));
    if (flipped === FLAG || flipped === ESC) flipped ^= 0x01;
    bad[i] = flipped;
    return bad;
  }
  return bad;
}

export interface RunningGeS5Simulator extends RunningSimulator {
  /** Date.now() when the last waveform record was written to the gateway (0: none yet). */
  readonly lastWaveAt: number;
  /** Display these alarms instead of the patient's (tests); undefined: the patient's again. */
  setAlarms(alarms: readonly SimAlarm[] | undefined): void;
}

export interface GeS5SimulatorDefinition extends SimulatorDefinition {
  start(ctx: SimStartContext): Promise<RunningGeS5Simulator>;
}

export const geS5Simulator: GeS5SimulatorDefinition = {
  summary: 'GE/Datex-Ohmeda S/5 monitor: displayed values, waveforms, alarms from a simulated patient',
  endpoints: ['pty', 'tcp-server'],
  params: [
    { name: 'scenario', description: `patient story: ${SCENARIOS.join(' | ')}`, default: 'normal' },
    { name: 'pace', description: 'run the scenario this many times faster (beats and breaths keep their rate)', default: '1' },
    { name: 'dri-level', description: 'DRI level the monitor reports (9 = 2005, 10 = 2009, 11 = 2015)', default: '10' },
    { name: 'garbage', description: 'probability per record of a burst of random bytes before it', default: '0' },
    { name: 'corrupt', description: 'probability per record of a corrupted byte (bad checksum)', default: '0' },
    { name: 'silence-after', description: 'go silent this many seconds after start (then forget all requests)' },
    { name: 'silence-for', description: 'how long the silent spell lasts, s', default: '30' },
  ],
  async start({ endpoint, params, log }) {
    const scenario = params.scenario ?? 'normal';
    if (!isScenario(scenario)) throw new SimParamError(`--scenario must be one of ${SCENARIOS.join(', ')}, got "${scenario}"`);
    const driLevel = numberParam(params, 'dri-level', 10);
    const pGarbage = numberParam(params, 'garbage', 0);
    const pCorrupt = numberParam(params, 'corrupt', 0);
    const silenceAfterS = params['silence-after'] !== undefined ? numberParam(params, 'silence-after', 0) : undefined;
    const silenceForS = numberParam(params, 'silence-for', 30);
    const random = Math.random;
    const startedMs = Date.now();
    const patient = new SimPatient(scenario, startedMs, random, numberParam(params, 'pace', 1));
    const port = await openSimPort(endpoint, log);
    const framer = new GeS5Framer();

    let displayedTimer: NodeJS.Timeout | undefined;
    let waveTimer: NodeJS.Timeout | undefined;
    let alarmTimer: NodeJS.Timeout | undefined;
    let silenceTimer: NodeJS.Timeout | undefined;
    let silent = false;
    let waves: ActiveWave[] = [];
    let lastAlarmText = '';
    let lastAlarmSentMs = 0;
    let waveSentAt = 0;

    const send = (record: Buffer) => {
      if (silent) return;
      if (random() < pGarbage) port.write(garbage(random));
      const frame = encodeFrame(record);
      port.write(random() < pCorrupt ? corrupted(frame, random) : frame);
    };

    const stopDisplayed = () => {
      clearInterval(displayedTimer);
      displayedTimer = undefined;
    };
    const stopWaves = () => {
      clearInterval(waveTimer);
      waveTimer = undefined;
      waves = [];
    };
    const stopAlarms = () => {
      clearInterval(alarmTimer);
      alarmTimer = undefined;
    };
    const alarmText = (alarms: readonly SimAlarm[]) => alarms.map((a) => `${a.priority}:${a.text}`).join('|');
    let forcedAlarms: readonly SimAlarm[] | undefined;
    const currentAlarms = (now: number) => forcedAlarms ?? patient.alarms(patient.vitals(now));
    const sendAlarms = (force: boolean) => {
      const now = Date.now();
      const alarms = currentAlarms(now);
      const text = alarmText(alarms);
      if (!force && (text === lastAlarmText || now - lastAlarmSentMs < ALARM_MIN_GAP_MS)) return;
      lastAlarmText = text;
      lastAlarmSentMs = now;
      send(alarmStatusRecord(alarms, now, driLevel));
    };
    const waveTick = () => {
      const now = Date.now();
      const blocks = [];
      for (const w of waves) {
        const due = Math.floor(((now - w.epochMs) * w.wave.rate) / 1000) - w.sent;
        if (due <= 0) continue;
        blocks.push({ wave: w.wave, fromIndex: w.sent, count: due, epochMs: w.epochMs });
        w.sent += due;
      }
      if (blocks.length > 0) {
        send(waveRecord(patient, blocks, now, driLevel));
        waveSentAt = Date.now();
      }
    };

    const onRequest = (rec: Buffer) => {
      if (silent) return;
      const h = readHeader(rec);
      const [sub] = subrecords(rec);
      if (!sub || sub.type !== 0) return;
      if (h.mainType === MT_PHDB) {
        const req = readPhdbRequest(rec, sub);
        if (!req || req.recordType !== SR_PHDB_DISPLAYED) return; // trends need a patient case: none here
        stopDisplayed();
        if (req.intervalS === 0) return;
        const once = () => send(displayedValuesRecord(patient, Date.now(), req.classBits, driLevel));
        once();
        if (req.intervalS > 0) displayedTimer = setInterval(once, Math.max(5, req.intervalS) * 1000);
      } else if (h.mainType === MT_WAVE) {
        const req = readWaveRequest(rec, sub);
        if (!req) return;
        stopWaves();
        if (req.command !== WAVE_START) return;
        const now = Date.now();
        waves = req.waveIds.flatMap((id) => {
          const wave = waveById(id);
          return wave ? [{ wave, sent: 0, epochMs: now }] : [];
        });
        if (waves.length > 0) waveTimer = setInterval(waveTick, WAVE_TICK_MS);
      } else if (h.mainType === MT_ALARM) {
        const command = rec.readInt16LE(sub.start);
        if (command === ALARM_STATUS_ONCE) sendAlarms(true);
        else if (command === ALARM_DIFF_ON) {
          // Changes from now on: the state displayed at this moment is not sent (the protocol does not promise it;
          // a gateway that wants it asks for the status once).
          stopAlarms();
          lastAlarmText = alarmText(currentAlarms(Date.now()));
          alarmTimer = setInterval(() => sendAlarms(false), 500);
        } else if (command === ALARM_DIFF_OFF) stopAlarms();
      }
    };
    port.onData((chunk) => framer.push(chunk, onRequest));

    if (silenceAfterS !== undefined) {
      silenceTimer = setTimeout(() => {
        log.info({ seconds: silenceForS }, 'simulated monitor goes silent');
        silent = true;
        silenceTimer = setTimeout(() => {
          // Back from the silent spell as from a power cycle: nothing is being sent until the gateway asks again.
          stopDisplayed();
          stopWaves();
          stopAlarms();
          lastAlarmText = '';
          silent = false;
          log.info('simulated monitor is back, waiting for requests');
        }, silenceForS * 1000);
      }, silenceAfterS * 1000);
    }

    const running: RunningGeS5Simulator = {
      description: `${port.description} (GE S/5, scenario ${scenario})`,
      get lastWaveAt() {
        return waveSentAt;
      },
      setAlarms(alarms) {
        forcedAlarms = alarms;
      },
      async stop() {
        stopDisplayed();
        stopWaves();
        stopAlarms();
        clearTimeout(silenceTimer);
        await port.close();
      },
    };
    return running;
  },
};
