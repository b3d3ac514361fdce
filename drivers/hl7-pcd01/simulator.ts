// A monitor (or monitor gateway) that pushes IHE PCD-01 over MLLP to the ambulink listener: an ORU^R01 every
// interval, ORU^R40 alerts when the simulated patient's alarms start and end, each message waiting for its ACK before
// the next (original mode). Checks every ACK (MSA-2 must be the control id) and logs what it got. Faults on request:
// garbage between frames, malformed messages (not HL7, a bad number, an unsupported type), "no data" sentinels,
// dropped connections, and a silent spell.
import { setTimeout as sleep } from 'node:timers/promises';
import { SCENARIOS, SimPatient, isScenario, type SimAlarm } from '../sdk/sim-patient.js';
import {
  SimParamError,
  flagParam,
  numberParam,
  type RunningSimulator,
  type SimStartContext,
  type SimulatorDefinition,
} from '../sdk/simulator.js';
import { mllp } from './framer.js';
import { get } from './hl7.js';
import { STYLES, oruR01, oruR40, type EcgStrip, type MessageOptions, type Style } from './messages.js';
import { MllpLink } from './sim-link.js';

const ACK_TIMEOUT_MS = 10_000;
const ECG_RATE = 125;
/** At most this much of a strip per report (a long interval sends the latest 10 s, not a huge message). */
const ECG_MAX_MS = 10_000;

function isStyle(s: string): s is Style {
  return (STYLES as readonly string[]).includes(s);
}

/** Messages the gateway must refuse (AR) or answer with an error (AE), and what it should say. */
function malformed(controlId: string, random: () => number): { text: string; expect: 'AR' | 'AE'; ackId: string } {
  switch (Math.floor(random() * 3)) {
    case 0:
      // No MSH, so no control id the gateway could echo.
      return { text: 'THIS IS NOT AN HL7 MESSAGE', expect: 'AR', ackId: '' };
    case 1:
      return {
        text: `MSH|^~\\&|AMBULINK-SIM|SIM|||20260101000000||ORU^R01^ORU_R01|${controlId}|P|2.6\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|eighty|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R`,
        expect: 'AE',
        ackId: controlId,
      };
    default:
      return { text: `MSH|^~\\&|AMBULINK-SIM|SIM|||20260101000000||ADT^A01^ADT_A01|${controlId}|P|2.6\rPID|||1`, expect: 'AR', ackId: controlId };
  }
}

export interface AckCounts {
  AA: number;
  AE: number;
  AR: number;
  /** Messages that got no ACK in time (or an unreadable one). */
  noAck: number;
  /** ACKs whose MSA-2 was not the control id of the message they answered. */
  wrongId: number;
}

export interface RunningHl7Simulator extends RunningSimulator {
  readonly counts: Readonly<AckCounts>;
  readonly sent: number;
}

export const hl7Simulator: SimulatorDefinition = {
  summary: 'Patient monitor pushing IHE PCD-01 (ORU^R01) and PCD-04 alerts (ORU^R40) over MLLP',
  endpoints: ['tcp-client'],
  params: [
    { name: 'scenario', description: `patient story: ${SCENARIOS.join(' | ')}`, default: 'normal' },
    { name: 'pace', description: 'run the scenario this many times faster', default: '1' },
    { name: 'interval', description: 'seconds between observation reports', default: '5' },
    { name: 'style', description: `coding dialect: ${STYLES.join(' | ')}`, default: 'mdc' },
    { name: 'no-alerts', description: 'do not send ORU^R40 alerts', flag: true },
    { name: 'ecg-wave', description: 'send ECG lead II as a waveform (PCD Waveform Content Module), the strip since the last report', flag: true },
    { name: 'sentinel', description: 'probability per value of a "no data" sentinel (−999)', default: '0' },
    { name: 'garbage', description: 'probability per message of random bytes before it', default: '0' },
    { name: 'malformed', description: 'probability per message of a malformed one (expects AR/AE)', default: '0' },
    { name: 'disconnect', description: 'probability per message of dropping the connection after it', default: '0' },
    { name: 'silence-after', description: 'stop sending this many seconds after start' },
    { name: 'silence-for', description: 'how long the silent spell lasts, s', default: '30' },
  ],
  start: (ctx) => startHl7Simulator(ctx),
};

export async function startHl7Simulator({ endpoint, params, log }: SimStartContext): Promise<RunningHl7Simulator> {
  const scenario = params.scenario ?? 'normal';
  if (!isScenario(scenario)) throw new SimParamError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  const style = params.style ?? 'mdc';
  if (!isStyle(style)) throw new SimParamError(`--style must be one of ${STYLES.join(', ')}`);
  const intervalMs = numberParam(params, 'interval', 5) * 1000;
  const pGarbage = numberParam(params, 'garbage', 0);
  const pMalformed = numberParam(params, 'malformed', 0);
  const pDisconnect = numberParam(params, 'disconnect', 0);
  const sentinel = numberParam(params, 'sentinel', 0);
  const alerts = !flagParam(params, 'no-alerts');
  const ecgWave = flagParam(params, 'ecg-wave');
  const silenceAfterMs = params['silence-after'] !== undefined ? numberParam(params, 'silence-after', 0) * 1000 : undefined;
  const silenceForMs = numberParam(params, 'silence-for', 30) * 1000;
  const random = Math.random;
  const startedMs = Date.now();
  const patient = new SimPatient(scenario, startedMs, random, numberParam(params, 'pace', 1));
  const eui = '0012A5FFFE5E0D01';
  const link = new MllpLink(endpoint, log);
  await link.open();
  const stop = new AbortController();
  const counts: AckCounts = { AA: 0, AE: 0, AR: 0, noAck: 0, wrongId: 0 };
  let sent = 0;
  let seq = 0;
  let shown: SimAlarm[] = [];
  let ecgUntilMs: number | undefined;
  const ecgStrip = (now: number): EcgStrip | undefined => {
    if (!ecgWave) return undefined;
    const stepMs = 1000 / ECG_RATE;
    let from = Math.max(ecgUntilMs ?? now - intervalMs, now - ECG_MAX_MS);
    const mv: number[] = [];
    const startMs = from;
    for (; from < now; from += stepMs) mv.push(patient.ecg(from, 'ii'));
    ecgUntilMs = from;
    return { startMs, rate: ECG_RATE, mv };
  };

  const exchange = async (text: string, controlId: string, expect: 'AA' | 'AE' | 'AR') => {
    if (random() < pGarbage) link.write(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 30) }, () => Math.floor(random() * 256))));
    sent++;
    const ack = await link.send(mllp(text), ACK_TIMEOUT_MS);
    if (!ack) return void counts.noAck++;
    const parsed = ack.parsed;
    if (!parsed.ok) return void counts.noAck++;
    const msa = parsed.message.segments.find((s) => s.id === 'MSA');
    const code = msa ? get(parsed.message, msa, 1) : '';
    if (code === 'AA' || code === 'AE' || code === 'AR') counts[code]++;
    if (!msa || get(parsed.message, msa, 2) !== controlId) {
      counts.wrongId++;
      log.warn({ controlId, got: msa ? get(parsed.message, msa, 2) : undefined }, 'acknowledgement names another message');
    }
    if (code !== expect) log.warn({ controlId, expected: expect, got: code }, 'unexpected acknowledgement');
  };

  const run = async () => {
    while (!stop.signal.aborted) {
      const now = Date.now();
      const inSilence = silenceAfterMs !== undefined && now - startedMs >= silenceAfterMs && now - startedMs < silenceAfterMs + silenceForMs;
      if (!inSilence && link.connected) {
        const v = patient.vitals(now);
        const nibp = patient.vitals(Math.floor(now / 180_000) * 180_000).nibp;
        const controlId = `SIM${startedMs.toString(36).toUpperCase()}-${++seq}`;
        const opts: MessageOptions = { controlId, nowMs: now, style, eui, sentinel, random };
        if (random() < pMalformed) {
          const bad = malformed(controlId, random);
          await exchange(bad.text, bad.ackId, bad.expect);
        } else await exchange(oruR01(v, nibp, opts, ecgStrip(now)), controlId, 'AA');
        if (alerts) {
          const current = patient.alarms(v);
          const started = current.filter((a) => !shown.some((s) => s.text === a.text));
          const ended = shown.filter((s) => !current.some((a) => a.text === s.text));
          for (const [alarm, phase] of [...started.map((a) => [a, 'start'] as const), ...ended.map((a) => [a, 'end'] as const)]) {
            if (stop.signal.aborted) break;
            const id = `SIM${startedMs.toString(36).toUpperCase()}-${++seq}`;
            await exchange(oruR40(alarm, phase, v, { ...opts, controlId: id }), id, 'AA');
          }
          shown = current;
        }
        if (random() < pDisconnect && !stop.signal.aborted) await link.reconnect();
      }
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };
  const running = run().catch((err: Error) => log.error({ err: err.message }, 'hl7 simulator failed'));
  return {
    description: `${link.description} (HL7 PCD-01, ${style}, scenario ${scenario})`,
    counts,
    get sent() {
      return sent;
    },
    async stop() {
      stop.abort();
      await link.close();
      await running;
      log.info(counts, 'acknowledgements received');
    },
  };
}
