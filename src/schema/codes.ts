// Code tables as data (codes/*.json) and the lookups drivers use to build terms and units. A driver asks for a code
// by its reference id at module load; an unknown id throws there, so a driver cannot emit a code the tables lack.
import mdcTable from './codes/mdc.json' with { type: 'json' };
import ucumTable from './codes/ucum.json' with { type: 'json' };
import loincTable from './codes/loinc.json' with { type: 'json' };
import type { MdcTerm, Unit } from './records.js';

const termsByRef = new Map<string, MdcTerm>(mdcTable.terms.map((t) => [t.ref, { code: t.code, ref: t.ref }]));
const termsByCode = new Map<number, MdcTerm>(mdcTable.terms.map((t) => [t.code, { code: t.code, ref: t.ref }]));
const unitsByRef = new Map<string, Unit>(mdcTable.units.map((u) => [u.ref, { ucum: u.ucum, mdc: u.code }]));
const unitsByCode = new Map<number, Unit & { ref: string }>(
  mdcTable.units.map((u) => [u.code, { ucum: u.ucum, mdc: u.code, ref: u.ref }]),
);
const ucumCodes = new Set<string>(ucumTable.units.map((u) => u.code));
const loincNames = new Map<string, string>(loincTable.codes.map((c) => [c.code, c.name]));
const loincShortNames = new Map<string, string>(
  loincTable.codes.flatMap((c) => ('shortName' in c && typeof c.shortName === 'string' ? [[c.code, c.shortName] as const] : [])),
);

export class UnknownCodeError extends Error {}

/** The MDC term for a reference id, e.g. mdcTerm('MDC_ECG_HEART_RATE') → {code: 147842, ref: …}. */
export function mdcTerm(ref: string): MdcTerm {
  const t = termsByRef.get(ref);
  if (!t) throw new UnknownCodeError(`MDC term ${ref} is not in src/schema/codes/mdc.json: add it there first`);
  return t;
}

/** The MDC term for a numeric code, or undefined (used by decoders that receive codes on the wire). */
export function mdcTermByCode(code: number): MdcTerm | undefined {
  return termsByCode.get(code);
}

/** A unit from its MDC reference id, with its UCUM form, e.g. mdcUnit('MDC_DIM_MMHG') → {ucum: 'mm[Hg]', mdc: 266016}. */
export function mdcUnit(ref: string): Unit {
  const u = unitsByRef.get(ref);
  if (!u) throw new UnknownCodeError(`MDC unit ${ref} is not in src/schema/codes/mdc.json: add it there first`);
  return u;
}

export function mdcUnitByCode(code: number): (Unit & { ref: string }) | undefined {
  return unitsByCode.get(code);
}

/** A unit known only in UCUM form (no MDC code), e.g. ucumUnit('m/s'). */
export function ucumUnit(ucum: string): Unit {
  if (!ucumCodes.has(ucum)) throw new UnknownCodeError(`UCUM unit ${ucum} is not in src/schema/codes/ucum.json`);
  return { ucum };
}

/** A LOINC code with its long common name and, where the table has it, the LOINC SHORTNAME (for narrow displays). */
export function loincTest(code: string): { loinc: string; name: string; shortName?: string } {
  const name = loincNames.get(code);
  if (name === undefined) throw new UnknownCodeError(`LOINC ${code} is not in src/schema/codes/loinc.json`);
  const shortName = loincShortNames.get(code);
  return shortName === undefined ? { loinc: code, name } : { loinc: code, name, shortName };
}

export const codeTables = {
  isMdcTerm: (t: MdcTerm): boolean => termsByRef.get(t.ref)?.code === t.code,
  isUnit: (u: Unit): boolean =>
    ucumCodes.has(u.ucum) && (u.mdc === undefined || unitsByCode.get(u.mdc)?.ucum === u.ucum),
  isLoinc: (code: string): boolean => loincNames.has(code),
};
