// One IHE PCD-04 (ACM) alert report, ORU^R40: one alarm state change of one device. The OBR names the alert
// (MDC_EVT_ALARM, the alarm's stable id as filler order, so every state change of one alarm carries the same one);
// the OBX rows follow the ACM layout, each with the facet number last in OBX-4: (1) the generic MDC_EVT_ALARM with
// the specific event as a coded OBX-5 and priority and source type in OBX-8, (2) the measurement the alarm is about,
// (3–7) the alert's attributes — event phase, alarm state, inactivation state, priority, alert type.
import type { AlarmRecord, NumericRecord } from '../../schema/index.js';
import { hl7Time } from './dtm.js';
import type { HandoverEncounter, Hl7BuilderOptions } from './options.js';
import { addPatient, equipmentOf, orderId, oruMessage, PCD04_PROFILE, serialize, setComponents, setRepetitions } from './segments.js';
import { nm, resultStatus, unitComponents } from './values.js';

/** MDC_EVT_ALARM: OBR-4 and OBX-3 of every alert report; the specific event is OBX-5. */
const EVT_ALARM = { code: 196616, ref: 'MDC_EVT_ALARM' } as const;

/** IEEE 11073-10101 alert attributes, as ACM messages carry them in OBX-3. */
const ATTR = {
  phase: [68481, 'MDC_ATTR_EVENT_PHASE'],
  state: [68482, 'MDC_ATTR_ALARM_STATE'],
  inactivation: [68483, 'MDC_ATTR_ALARM_INACTIVATION_STATE'],
  priority: [68484, 'MDC_ATTR_ALARM_PRIORITY'],
  type: [68485, 'MDC_ATTR_ALERT_TYPE'],
} as const;

const PRIORITY = { high: 'PH', medium: 'PM', low: 'PL', info: 'PN' } as const;
const ALERT_TYPE = { physiological: 'SP', technical: 'ST' } as const;

/** The ACM attributes of a canonical alarm state; `isNew` when this alarm has not been reported before. */
function attributesOf(state: AlarmRecord['state'], isNew: boolean): { phase: string; state: string; inactivation: string } {
  switch (state) {
    case 'active':
      return { phase: isNew ? 'start' : 'update', state: 'active', inactivation: 'enabled' };
    case 'acknowledged':
      return { phase: 'update', state: 'active', inactivation: 'alert-acknowledged' };
    case 'latched':
      return { phase: 'update', state: 'latched', inactivation: 'enabled' };
    case 'cleared':
      return { phase: 'end', state: 'inactive', inactivation: 'enabled' };
  }
}

export interface AlertContext {
  readonly options: Hl7BuilderOptions;
  readonly controlId: string;
  readonly nowMs: number;
  readonly open: HandoverEncounter | undefined;
  readonly encounter: string;
  /** First report of this alarm (event phase start rather than update). */
  readonly isNew: boolean;
  /** The latest value of the measurement the alarm is about, from the same device, when there is one. */
  readonly sourceValue: NumericRecord | undefined;
}

export function alertReport(a: AlarmRecord, c: AlertContext): string {
  const o = c.options;
  const msg = oruMessage({ options: o, controlId: c.controlId, nowMs: c.nowMs, event: 'R40', profile: PCD04_PROFILE });
  addPatient(msg, o, c.encounter, c.open);
  const equipment = equipmentOf(a.source, a.device, o.vehicle);
  const at = hl7Time(a.observedAt);
  const obr = msg.addSegment('OBR');
  obr.set('1', '1');
  setComponents(obr, 2, orderId(a.alarmId, o, equipment));
  setComponents(obr, 3, orderId(a.alarmId, o, equipment));
  setComponents(obr, 4, [EVT_ALARM.code, EVT_ALARM.ref, 'MDC']);
  obr.set('7', at);

  // Facets are numbered under the source's containment: the metric code in the last place, as ACM senders do.
  const path = `1.0.0.${a.about?.code ?? 0}`;
  let setId = 0;
  const row = (facet: number, type: string, code: ReadonlyArray<string | number>): ReturnType<typeof msg.addSegment> => {
    const obx = msg.addSegment('OBX');
    obx.set('1', String(++setId));
    if (type) obx.set('2', type);
    setComponents(obx, 3, [...code, 'MDC']);
    obx.set('4', `${path}.${facet}`);
    return obx;
  };

  // The event: coded in OBX-5 (CWE), the device's own alarm text as the CWE's original text (component 9); an
  // alarm the device gave no MDC code for is the generic alarm, described by its text alone.
  const eventRow = row(1, 'CWE', [EVT_ALARM.code, EVT_ALARM.ref]);
  setComponents(eventRow, 5, a.code ? [a.code.code, a.code.ref, 'MDC', '', '', '', '', '', a.text] : ['', '', '', '', '', '', '', '', a.text]);
  setRepetitions(eventRow, 8, [PRIORITY[a.priority], ALERT_TYPE[a.category]]);
  eventRow.set('11', 'F');
  eventRow.set('14', at);
  setComponents(eventRow, 18, equipment);

  if (a.about) {
    // With its latest value from the same device when there is one; else named only (no value type, as ACM does).
    const v = c.sourceValue;
    const source = row(2, v ? 'NM' : '', [a.about.code, a.about.ref]);
    if (v) {
      if (v.value !== null) source.set('5', nm(v.value));
      setComponents(source, 6, unitComponents(v.unit));
      source.set('11', resultStatus(v.validity));
      source.set('14', hl7Time(v.observedAt));
    } else {
      source.set('11', 'F');
    }
    setComponents(source, 18, equipment);
  }

  const attrs = attributesOf(a.state, c.isNew);
  const values: Array<[readonly [number, string], string]> = [
    [ATTR.phase, attrs.phase],
    [ATTR.state, attrs.state],
    [ATTR.inactivation, attrs.inactivation],
    [ATTR.priority, PRIORITY[a.priority]],
    [ATTR.type, ALERT_TYPE[a.category]],
  ];
  values.forEach(([code, value], i) => {
    const obx = row(3 + i, 'ST', code);
    obx.set('5', value);
    obx.set('11', 'F');
  });
  return serialize(msg);
}
