// POCT1-A observations into `lab` records. OBS.R01 carries patient results (SVC role OBS, a PT with its OBS
// elements); OBS.R02 carries quality control and calibration (role LQC/CAL, the control lot in CTC): those are marked
// `qc: true` and carry no patient. The device's identity comes from its HEL.R01 and is stamped on every result.
import type { RxTime } from '../../src/core/clock.js';
import type { DeviceIdentity } from '../../src/schema/index.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { LabRecordBuilder, type LabObservation, type LabStatus } from '../lab/result.js';
import type { TestMap } from '../lab/test-map.js';
import { parseIsoTime, type TimeZoneOption } from '../lab/values.js';
import type { Poct1Message } from './framer.js';
import { identityOf } from './messages.js';
import { child, children, valueOf, type XmlElement } from './xml.js';

const LOINC = /^[0-9]{1,7}-[0-9]$/;

function statusOf(code: string | undefined): LabStatus {
  if (code === undefined || code === '') return 'final';
  switch (code.toUpperCase()) {
    case 'F':
    case 'FIN':
    case 'FINAL':
      return 'final';
    case 'C':
    case 'COR':
      return 'corrected';
    case 'X':
    case 'CAN':
      return 'cancelled';
    default:
      return 'preliminary';
  }
}

/** Notes (NTE.text) directly under an element. */
function notesOf(el: XmlElement | undefined): string[] {
  return children(el, 'NTE')
    .map((n) => valueOf(n, 'NTE.text') ?? '')
    .filter((t) => t !== '');
}

export class Poct1Decoder implements Decoder<Poct1Message> {
  private readonly lab: LabRecordBuilder;
  private deviceId: string | undefined;
  private identity: DeviceIdentity | undefined;

  constructor(
    ids: RecordIds,
    tests: TestMap,
    private readonly timeZone: TimeZoneOption,
  ) {
    this.lab = new LabRecordBuilder(ids, tests);
  }

  decode(m: Poct1Message, rx: RxTime, out: RecordSink): void {
    if (m.type === 'HEL.R01') {
      const { deviceId, identity } = identityOf(m.root);
      this.deviceId = deviceId;
      this.identity = identity;
      return;
    }
    if (m.type !== 'OBS.R01' && m.type !== 'OBS.R02') return;
    for (const svc of children(m.root, 'SVC')) this.service(svc, m.type === 'OBS.R02', rx, out);
  }

  /** One service (a test run): its observations under PT (patient) or CTC (control), or directly under SVC. */
  private service(svc: XmlElement, r02: boolean, rx: RxTime, out: RecordSink): void {
    const role = (valueOf(svc, 'SVC.role_cd') ?? (r02 ? 'LQC' : 'OBS')).toUpperCase();
    const qc = r02 || role === 'LQC' || role === 'CAL';
    const observedAtMs = parseIsoTime(valueOf(svc, 'SVC.observation_dttm') ?? '', this.timeZone);
    const pt = child(svc, 'PT');
    const ctc = child(svc, 'CTC');
    const spc = child(svc, 'SPC') ?? child(pt, 'SPC');
    const opr = child(svc, 'OPR') ?? child(pt, 'OPR');
    const context = {
      qc,
      observedAtMs,
      patientId: qc ? undefined : valueOf(pt, 'PT.patient_id'),
      operator: valueOf(opr, 'OPR.operator_id'),
      specimenType: valueOf(spc, 'SPC.type_cd'),
      specimenId: valueOf(spc, 'SPC.specimen_id') ?? (ctc ? valueOf(ctc, 'CTC.lot_number') : undefined),
      status: valueOf(svc, 'SVC.status_cd'),
      notes: notesOf(svc),
    };
    const observations = [...children(svc, 'OBS'), ...children(pt, 'OBS'), ...children(ctc, 'OBS')];
    for (const obs of observations) this.observation(obs, context, rx, out);
  }

  private observation(
    obs: XmlElement,
    c: {
      qc: boolean;
      observedAtMs: number | undefined;
      patientId: string | undefined;
      operator: string | undefined;
      specimenType: string | undefined;
      specimenId: string | undefined;
      status: string | undefined;
      notes: string[];
    },
    rx: RxTime,
    out: RecordSink,
  ): void {
    const id = child(obs, 'OBS.observation_id');
    const code = id?.attrs.V ?? '';
    if (!code) return;
    const system = (id?.attrs.SN ?? '').toUpperCase();
    const value = child(obs, 'OBS.value');
    const qualitative = valueOf(obs, 'OBS.qualitative_value');
    const limits = child(obs, 'OBS.normal_lo-hi_limit');
    const flags = children(obs, 'OBS.interpretation_cd')
      .map((f) => f.attrs.V ?? '')
      .filter((f) => f !== '');
    const o: LabObservation = {
      vendorCode: code,
      value: value?.attrs.V ?? qualitative ?? '',
      unit: value?.attrs.U ?? '',
      range: limits?.attrs.V ?? '',
      flags,
      status: statusOf(valueOf(obs, 'OBS.status_cd') ?? c.status),
      qc: c.qc,
      notes: [...c.notes, ...notesOf(obs)],
    };
    if ((system === 'LN' || system === 'LOINC') && LOINC.test(code)) o.loinc = code;
    const name = id?.attrs.DN;
    if (name) o.vendorName = name;
    if (c.observedAtMs !== undefined) o.observedAtMs = c.observedAtMs;
    if (c.patientId) o.patientId = c.patientId;
    if (c.operator) o.operator = c.operator;
    if (c.specimenType) o.specimenType = c.specimenType;
    if (c.specimenId) o.specimenId = c.specimenId;
    if (this.deviceId) o.instrument = this.deviceId;
    if (this.identity) o.source = this.identity;
    this.lab.emit(o, rx, out);
  }
}
