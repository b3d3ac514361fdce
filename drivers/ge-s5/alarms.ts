// Alarm status (r_maintype 4, subrecord type 1): the alarms the monitor is displaying, up to five, each an 80-byte
// text with a colour (0 none, 1 white, 2 yellow, 3 red). In differential mode the monitor sends a status whenever the
// displayed set changes; the gateway turns appearances and disappearances into `alarm` records.
import { mdcTerm, type MdcTerm } from '../../src/schema/index.js';

export const ALARM_SLOTS = 5;
export const ALARM_TEXT_LEN = 80;
export const ALARM_SLOT_LEN = 98;
export const ALARM_SLOTS_OFFSET = 10;
export const ALARM_MSG_LEN = 510;

export type AlarmPriority = 'high' | 'medium' | 'low';

export interface DisplayedAlarm {
  text: string;
  priority: AlarmPriority;
}

const PRIORITY_BY_COLOUR: Readonly<Record<number, AlarmPriority>> = { 1: 'low', 2: 'medium', 3: 'high' };
const COLOUR_BY_PRIORITY: Readonly<Record<AlarmPriority, number>> = { low: 1, medium: 2, high: 3 };

/** The alarms a status message displays; slots without text or colour are empty. */
export function readAlarmStatus(body: Buffer): DisplayedAlarm[] {
  const out: DisplayedAlarm[] = [];
  if (body.length < ALARM_SLOTS_OFFSET + ALARM_SLOTS * ALARM_SLOT_LEN) return out;
  for (let s = 0; s < ALARM_SLOTS; s++) {
    const at = ALARM_SLOTS_OFFSET + s * ALARM_SLOT_LEN;
    const priority = PRIORITY_BY_COLOUR[body.readInt16LE(at + ALARM_TEXT_LEN + 2)];
    if (!priority) continue;
    const raw = body.subarray(at, at + ALARM_TEXT_LEN);
    const nul = raw.indexOf(0);
    const text = raw.toString('latin1', 0, nul === -1 ? ALARM_TEXT_LEN : nul).trim();
    if (text) out.push({ text, priority });
  }
  return out;
}

/** A status message as the monitor sends it (for the simulator). */
export function writeAlarmStatus(alarms: readonly DisplayedAlarm[], silenced = false): Buffer {
  const body = Buffer.alloc(ALARM_MSG_LEN);
  body.writeInt16LE(silenced ? 0 : 1, 2);
  alarms.slice(0, ALARM_SLOTS).forEach((a, s) => {
    const at = ALARM_SLOTS_OFFSET + s * ALARM_SLOT_LEN;
    body.write(a.text.slice(0, ALARM_TEXT_LEN - 1), at, 'latin1');
    body.writeInt16LE(1, at + ALARM_TEXT_LEN);
    body.writeInt16LE(COLOUR_BY_PRIORITY[a.priority], at + ALARM_TEXT_LEN + 2);
  });
  return body;
}

// The message carries no category; GE's technical messages name the equipment, physiological ones the parameter.
const TECHNICAL = /\b(leads?|off|check|sensor|probe|cable|disconn|replace|calibrat|fail|error|occlu|artifact|noise|battery|zero|no )/i;

export function isTechnical(text: string): boolean {
  return TECHNICAL.test(text);
}

const ABOUT: ReadonlyArray<[RegExp, MdcTerm]> = [
  [/^spo2/i, mdcTerm('MDC_PULS_OXIM_SAT_O2')],
  [/^(hr|tachy|brady|asystole|v ?fib|v ?tach)/i, mdcTerm('MDC_ECG_HEART_RATE')],
  [/^st/i, mdcTerm('MDC_ECG_AMPL_ST')],
  [/^(etco2|co2)/i, mdcTerm('MDC_CONC_AWAY_CO2_EXP')],
  [/^nibp/i, mdcTerm('MDC_PRESS_BLD_NONINV_SYS')],
  [/^(art|abp)/i, mdcTerm('MDC_PRESS_BLD_ART_SYS')],
  [/^(rr|resp|apnea|apnoea)/i, mdcTerm('MDC_RESP_RATE')],
];

/** The measurement an alarm text is about, when its first word says so. */
export function alarmAbout(text: string): MdcTerm | undefined {
  for (const [re, term] of ABOUT) if (re.test(text)) return term;
  return undefined;
}
