// Observation identifiers and units as monitors write them: MDC ("147842^MDC_ECG_HEART_RATE^MDC"), Philips MDIL hex
// ("0002-4182^HR^MDIL" = partition 2, term 0x4182), UCUM units ("mm[Hg]^mm[Hg]^UCUM"). Only codes the code tables
// know are emitted; anything else is reported as unmapped.
import { codeTables, mdcTermByCode, mdcUnitByCode, mdcUnit, mdcTerm, type MdcTerm, type Unit } from '../../src/schema/index.js';

/** "pppp-tttt" hex → partition << 16 | term. */
export function mdilCode(text: string): number | undefined {
  const m = /^([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i.exec(text.trim());
  return m ? (parseInt(m[1]!, 16) << 16) | parseInt(m[2]!, 16) : undefined;
}

function numericCode(text: string): number | undefined {
  return /^\d{1,9}$/.test(text.trim()) ? Number(text) : undefined;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The MDC term of an observation identifier (CWE: code, text, coding system), or undefined. */
export function termOf(code: string, text: string, system: string): MdcTerm | undefined {
  const sys = system.toUpperCase();
  if (sys === 'MDIL') {
    const c = mdilCode(code);
    return c === undefined ? undefined : mdcTermByCode(c);
  }
  if (sys === 'MDC' || sys === '' || sys === 'ISO11073') {
    const c = numericCode(code);
    const byCode = c === undefined ? undefined : mdcTermByCode(c);
    if (byCode) return byCode;
    if (text.startsWith('MDC_')) return safe(() => mdcTerm(text));
  }
  return undefined;
}

/** The unit of OBX-6, or undefined when the tables do not know it. */
export function unitOf(code: string, text: string, system: string): Unit | undefined {
  const sys = system.toUpperCase();
  if (sys === 'MDIL') {
    const c = mdilCode(code);
    const u = c === undefined ? undefined : mdcUnitByCode(c);
    return u && { ucum: u.ucum, mdc: u.mdc };
  }
  if (sys === 'MDC' || sys === 'ISO11073') {
    const c = numericCode(code);
    const u = c === undefined ? undefined : mdcUnitByCode(c);
    if (u) return { ucum: u.ucum, mdc: u.mdc };
    return text.startsWith('MDC_DIM_') ? safe(() => mdcUnit(text)) : undefined;
  }
  // UCUM, or no coding system at all: the code is the UCUM string.
  const ucum = code || text;
  if (ucum && codeTables.isUnit({ ucum })) return { ucum };
  return text.startsWith('MDC_DIM_') ? safe(() => mdcUnit(text)) : undefined;
}
