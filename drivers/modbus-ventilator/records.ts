// Canonical records for the points of the map. Modbus values carry no timestamp: observed when read.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import { SCHEMA_VERSION, type AlarmRecord, type NumericRecord, type SettingRecord, type Validity } from '../../src/schema/index.js';
import type { RecordIds } from '../sdk/driver.js';
import type { CompiledPoint } from './map.js';

const AREA_DIGIT = { coil: 0, discrete: 1, input: 3, holding: 4 } as const;

/** The register as the device's documentation would name it, e.g. 1!400004 (unit 1, holding address 3 = 40004). */
function vendorCode(p: CompiledPoint): string {
  return `${p.unitId}!${AREA_DIGIT[p.area]}${String(p.address + 1).padStart(5, '0')}${p.bit !== undefined ? `.${p.bit}` : ''}`;
}

/** A measurement (numeric record), or a setting or the mode (setting record), with a value or a reason for none. */
export function pointRecord(
  ids: RecordIds,
  p: CompiledPoint,
  value: number | null,
  validity: Validity,
  rx: RxTime,
): NumericRecord | SettingRecord {
  const at = isoMs(rx.wallMs);
  if (p.kind === 'mode') {
    const mode = value === null ? undefined : p.modes!.get(value);
    const record: SettingRecord = {
      kind: 'setting',
      schema: SCHEMA_VERSION,
      vehicle: ids.vehicle,
      device: ids.device,
      driver: ids.driver,
      observedAt: at,
      receivedAt: at,
      mono: rx.monoMs,
      metric: p.metric!,
      value: mode ?? null,
      // A register value the map does not name is not a mode anyone can act on.
      validity: mode === undefined ? (validity === 'valid' ? 'invalid' : validity) : validity,
      label: p.label,
      vendor: { code: vendorCode(p), name: value === null ? p.name : `${p.name} = ${value}` },
    };
    return record;
  }
  // A setting and a numeric carry the same fields; the point's kind says which one this is.
  return {
    kind: p.kind === 'setting' ? 'setting' : 'numeric',
    schema: SCHEMA_VERSION,
    vehicle: ids.vehicle,
    device: ids.device,
    driver: ids.driver,
    observedAt: at,
    receivedAt: at,
    mono: rx.monoMs,
    metric: p.metric!,
    value,
    unit: p.unit!,
    validity,
    label: p.label,
    vendor: { code: vendorCode(p), name: p.name },
  };
}

export function alarmRecord(ids: RecordIds, p: CompiledPoint, active: boolean, rx: RxTime): AlarmRecord {
  const at = isoMs(rx.wallMs);
  const a = p.alarm!;
  return {
    kind: 'alarm',
    schema: SCHEMA_VERSION,
    vehicle: ids.vehicle,
    device: ids.device,
    driver: ids.driver,
    observedAt: at,
    receivedAt: at,
    mono: rx.monoMs,
    alarmId: p.name,
    text: a.text,
    priority: a.priority,
    category: a.category,
    state: active ? 'active' : 'cleared',
    vendor: { code: vendorCode(p), name: p.name },
  };
}
