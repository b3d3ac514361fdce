// The register map, checked and compiled: what the JSON Schema cannot say (overlapping registers, types that do not
// fit an area, unknown codes and units, ranges a register cannot hold, dangling references) is found here at config
// load with the point it concerns; then points are resolved to MDC terms and units and grouped into read blocks.
import { mdcTerm, mdcUnit, ucumUnit, type MdcTerm, type Unit } from '../../src/schema/index.js';
import type { OptionProblem } from '../sdk/driver.js';
import type { Area, ModbusVentilatorOptions, PointKind, PointOptions } from './options.js';
import { INTEGER_RANGE, WORDS, isFloat, type ValueType, type WordOrder } from './registers.js';

export interface CompiledPoint {
  readonly name: string;
  readonly kind: PointKind;
  readonly label: string;
  readonly unitId: number;
  readonly area: Area;
  readonly address: number;
  readonly words: number;
  readonly type: ValueType;
  readonly order: WordOrder;
  readonly bit: number | undefined;
  readonly scale: number;
  readonly offset: number;
  /** Decimals of scale and offset: integer registers are rounded to them (150 × 0.1 is 15, not 15.000000000000002). */
  readonly decimals: number;
  readonly metric: MdcTerm | undefined;
  readonly unit: Unit | undefined;
  readonly alarm: PointOptions['alarm'];
  readonly modes: ReadonlyMap<number, string> | undefined;
  readonly writable: { readonly min: number; readonly max: number; readonly step: number } | undefined;
  /** Where the applied value is read back: another point, or this one. */
  readback: CompiledPoint | undefined;
}

/** Points read with one request. */
export interface ReadBlock {
  readonly unitId: number;
  readonly area: Area;
  readonly address: number;
  readonly length: number;
  readonly points: ReadonlyArray<{ readonly point: CompiledPoint; readonly at: number }>;
}

export interface CompiledGroup {
  readonly name: string;
  readonly intervalMs: number;
  readonly retries: number;
  readonly blocks: readonly ReadBlock[];
}

export interface CompiledMap {
  /** Every point, in map order. */
  readonly points: readonly CompiledPoint[];
  readonly groups: readonly CompiledGroup[];
  readonly writable: ReadonlyMap<string, CompiledPoint>;
}

/** Largest read: 125 registers (FC 3/4) or 2000 bits (FC 1/2). */
const MAX_READ: Record<Area, number> = { coil: 2000, discrete: 2000, input: 125, holding: 125 };
const INTEGER_TYPES: readonly ValueType[] = ['int16', 'uint16', 'int32', 'uint32'];
const EPS = 1e-9;

const isBitArea = (a: Area) => a === 'coil' || a === 'discrete';
const whole = (x: number) => Math.abs(x - Math.round(x)) <= EPS * Math.max(1, Math.abs(x));

function lookup<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Every problem of the map, each with the path of the key it concerns (relative to options). */
export function validateMap(o: ModbusVentilatorOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const at = (i: number, ...rest: Array<string | number>) => ['points', i, ...rest];
  const groupNames = new Set<string>();
  o.groups.forEach((g, i) => {
    if (groupNames.has(g.name)) problems.push({ path: ['groups', i, 'name'], message: `duplicate poll group "${g.name}"` });
    groupNames.add(g.name);
  });
  const byName = new Map<string, number>();
  o.points.forEach((p, i) => {
    if (byName.has(p.name)) problems.push({ path: at(i, 'name'), message: `duplicate point name "${p.name}" (also points[${byName.get(p.name)}])`, hint: 'point names must be unique' });
    else byName.set(p.name, i);
  });

  o.points.forEach((p, i) => {
    if (p.group !== undefined && !groupNames.has(p.group)) {
      problems.push({ path: at(i, 'group'), message: `no poll group "${p.group}"`, hint: `use one of: ${[...groupNames].join(', ')}` });
    }
    // Types that fit the area.
    if (isBitArea(p.area)) {
      if (p.type !== 'bool') problems.push({ path: at(i, 'type'), message: `a ${p.area} is a single bit: type must be bool, not ${p.type}` });
      if (p.bit !== undefined) problems.push({ path: at(i, 'bit'), message: `a ${p.area} has no bits; bit is only for registers` });
    } else if (p.type === 'bool' && p.bit === undefined) {
      problems.push({ path: at(i, 'type'), message: 'a bool in a register needs bit: 0–15', hint: 'add bit, or use an integer type' });
    } else if (p.bit !== undefined && p.type !== 'bool') {
      problems.push({ path: at(i, 'bit'), message: `bit selects one bit of a register: type must be bool, not ${p.type}` });
    }
    if (p.address + WORDS[p.type] - 1 > 65535) {
      problems.push({ path: at(i, 'address'), message: `a ${p.type} at ${p.address} runs past the last address (65535)` });
    }
    if (p.scale === 0) problems.push({ path: at(i, 'scale'), message: 'scale must not be 0' });

    // What each kind needs, and what it cannot have.
    const numeric = p.kind === 'measurement' || p.kind === 'setting';
    if (numeric && p.type === 'bool') problems.push({ path: at(i, 'type'), message: `a ${p.kind} is a number: type must not be bool` });
    if (numeric && p.mdc === undefined) problems.push({ path: at(i), message: `a ${p.kind} needs mdc (its IEEE 11073 term)` });
    if (numeric && p.unit === undefined) problems.push({ path: at(i), message: `a ${p.kind} needs unit (UCUM)` });
    if (p.kind === 'alarm') {
      if (p.type !== 'bool') problems.push({ path: at(i, 'type'), message: 'an alarm is a bit: type must be bool (coil, discrete input or a register bit)' });
      if (!p.alarm) problems.push({ path: at(i), message: 'an alarm needs alarm: {text, priority, category}' });
    }
    if (p.kind === 'mode') {
      if (!INTEGER_TYPES.includes(p.type)) problems.push({ path: at(i, 'type'), message: `a mode is an integer register, not ${p.type}` });
      if (!p.values || Object.keys(p.values).length === 0) problems.push({ path: at(i), message: 'a mode needs values: {register value: mode name}' });
    }
    const misplaced: Array<[keyof PointOptions, PointKind[]]> = [
      ['writable', ['setting']],
      ['readback', ['setting']],
      ['alarm', ['alarm']],
      ['values', ['mode']],
      ['unit', ['measurement', 'setting']],
      ['mdcUnit', ['measurement', 'setting']],
    ];
    for (const [key, kinds] of misplaced) {
      if (p[key] !== undefined && !kinds.includes(p.kind)) {
        problems.push({ path: at(i, key), message: `${key} has no meaning for a ${p.kind}`, hint: `only for kind ${kinds.join(' or ')}` });
      }
    }

    // Codes and units from the tables.
    if (p.mdc !== undefined && !lookup(() => mdcTerm(p.mdc!))) {
      problems.push({ path: at(i, 'mdc'), message: `${p.mdc} is not in the MDC code table`, hint: 'use a term from src/schema/codes/mdc.json (or add it there)' });
    }
    if (p.unit !== undefined && !lookup(() => ucumUnit(p.unit!))) {
      problems.push({ path: at(i, 'unit'), message: `"${p.unit}" is not a known UCUM unit`, hint: 'UCUM is case-sensitive: e.g. cm[H2O], mL, L/min, /min, %, mm[Hg]' });
    }
    if (p.mdcUnit !== undefined) {
      const u = lookup(() => mdcUnit(p.mdcUnit!));
      if (!u) problems.push({ path: at(i, 'mdcUnit'), message: `${p.mdcUnit} is not in the MDC unit table` });
      else if (p.unit !== undefined && u.ucum !== p.unit) {
        problems.push({ path: at(i, 'mdcUnit'), message: `${p.mdcUnit} is ${u.ucum}, but unit says ${p.unit}` });
      }
    }

    // A writable setting: a holding register whose every allowed value the register can hold exactly.
    const w = p.kind === 'setting' ? p.writable : undefined; // on other kinds, reported as misplaced above
    if (w) {
      if (p.area !== 'holding') problems.push({ path: at(i, 'area'), message: 'only holding registers can be written' });
      if (!(w.min < w.max)) problems.push({ path: at(i, 'writable', 'max'), message: `max (${w.max}) must be above min (${w.min})` });
      else if (!whole((w.max - w.min) / w.step)) {
        problems.push({ path: at(i, 'writable', 'step'), message: `the range ${w.min}–${w.max} is not a whole number of steps of ${w.step}` });
      }
      const range = INTEGER_RANGE[p.type];
      if (range && p.scale !== 0) {
        const raw = [(w.min - p.offset) / p.scale, (w.max - p.offset) / p.scale];
        if (!whole(w.step / p.scale) || !raw.every(whole)) {
          problems.push({ path: at(i, 'writable'), message: `min, max and step must be whole multiples of scale (${p.scale}) from offset (${p.offset}) for an ${p.type}` });
        } else if (raw.some((r) => r < range[0] || r > range[1])) {
          problems.push({ path: at(i, 'writable'), message: `${w.min}–${w.max} does not fit an ${p.type} with scale ${p.scale} and offset ${p.offset}` });
        }
      } else if (!isFloat(p.type)) {
        problems.push({ path: at(i, 'type'), message: `${p.type} cannot be written` });
      }
    }
    if (p.readback !== undefined && p.kind === 'setting') {
      const j = byName.get(p.readback);
      const target = j === undefined ? undefined : o.points[j];
      if (!target) problems.push({ path: at(i, 'readback'), message: `no point "${p.readback}"` });
      else if (target.kind !== 'setting' || (target.writable && j !== i)) {
        problems.push({ path: at(i, 'readback'), message: `"${p.readback}" must be a setting that is not itself written` });
      } else if (target.mdc !== p.mdc || target.unit !== p.unit) {
        problems.push({ path: at(i, 'readback'), message: `"${p.readback}" reads ${target.mdc} in ${target.unit}, not ${p.mdc} in ${p.unit}` });
      }
    }
  });

  // Overlaps: two points on the same register(s) of the same unit and area, unless they are different bits of one register.
  const placed: Array<{ i: number; key: string; start: number; end: number; bit: number | undefined }> = [];
  o.points.forEach((p, i) => {
    const key = `${p.unitId}/${p.area}`;
    const start = p.address;
    const end = p.address + WORDS[p.type] - 1;
    for (const q of placed) {
      if (q.key !== key || q.end < start || q.start > end) continue;
      const bits = q.bit !== undefined && p.bit !== undefined && q.start === start && q.end === end;
      if (bits && q.bit !== p.bit) continue;
      const other = o.points[q.i]!;
      problems.push({
        path: at(i, 'address'),
        message: `${p.area} ${start}${end > start ? `–${end}` : ''}${p.bit !== undefined ? ` bit ${p.bit}` : ''} of unit ${p.unitId} overlaps points[${q.i}] "${other.name}"`,
        hint: 'each register (or register bit) belongs to one point',
      });
      break;
    }
    placed.push({ i, key, start, end, bit: p.bit });
  });
  return problems;
}

function decimalsOf(x: number): number {
  const [mantissa, exponent] = String(x).split('e');
  const frac = mantissa!.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - Number(exponent ?? 0));
}

function compilePoint(p: PointOptions): CompiledPoint {
  const metric = p.mdc !== undefined ? mdcTerm(p.mdc) : p.kind === 'mode' ? mdcTerm('MDC_VENT_MODE') : undefined;
  const unit = p.mdcUnit !== undefined ? mdcUnit(p.mdcUnit) : p.unit !== undefined ? ucumUnit(p.unit) : undefined;
  return {
    name: p.name,
    kind: p.kind,
    label: p.label ?? p.name,
    unitId: p.unitId,
    area: p.area,
    address: p.address,
    words: WORDS[p.type],
    type: p.type,
    order: p.order,
    bit: p.bit,
    scale: p.scale,
    offset: p.offset,
    decimals: Math.min(12, decimalsOf(p.scale) + decimalsOf(p.offset)),
    metric,
    unit,
    alarm: p.alarm,
    modes: p.values ? new Map(Object.entries(p.values).map(([k, v]) => [Number(k), v])) : undefined,
    writable: p.writable,
    readback: undefined,
  };
}

/** Points of one group in read blocks: same unit and area, adjacent (or within maxGap), within the request size. */
function blocksOf(points: readonly CompiledPoint[], maxGap: number): ReadBlock[] {
  const sorted = [...points].sort((a, b) => a.unitId - b.unitId || a.area.localeCompare(b.area) || a.address - b.address);
  const blocks: Array<{ unitId: number; area: Area; address: number; length: number; points: Array<{ point: CompiledPoint; at: number }> }> = [];
  for (const point of sorted) {
    const last = blocks[blocks.length - 1];
    const end = point.address + point.words;
    if (
      last &&
      last.unitId === point.unitId &&
      last.area === point.area &&
      point.address <= last.address + last.length + maxGap &&
      Math.max(end, last.address + last.length) - last.address <= MAX_READ[point.area]
    ) {
      last.length = Math.max(end, last.address + last.length) - last.address;
      last.points.push({ point, at: point.address - last.address });
    } else {
      blocks.push({ unitId: point.unitId, area: point.area, address: point.address, length: point.words, points: [{ point, at: 0 }] });
    }
  }
  return blocks;
}

/** The map ready for polling and writing; throws if validateMap finds problems (the config loader reports them first). */
export function compileMap(o: ModbusVentilatorOptions): CompiledMap {
  const problems = validateMap(o);
  if (problems.length > 0) {
    throw new Error(`register map: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`);
  }
  const compiled = o.points.map(compilePoint);
  const byName = new Map(compiled.map((c) => [c.name, c]));
  o.points.forEach((p, i) => {
    if (p.writable) compiled[i]!.readback = p.readback !== undefined ? byName.get(p.readback) : compiled[i];
  });
  // A written register that is read back elsewhere is a command, not a reading: it is not polled.
  const polled = compiled.filter((c) => !(c.writable && c.readback !== c));
  const firstGroup = o.groups[0]!.name;
  const groups = o.groups.map((g) => ({
    name: g.name,
    intervalMs: g.intervalMs,
    retries: g.retries,
    blocks: blocksOf(
      polled.filter((c) => (o.points.find((p) => p.name === c.name)!.group ?? firstGroup) === g.name),
      o.maxGapRegisters,
    ),
  }));
  return { points: compiled, groups, writable: new Map(compiled.filter((c) => c.writable).map((c) => [c.name, c])) };
}
