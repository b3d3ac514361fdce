// Numbers, units and statuses as OBX fields.
import { mdcUnitByCode, type Unit, type Validity } from '../../schema/index.js';

/**
 * An HL7 NM: digits, an optional sign and decimal point, never an exponent (JavaScript writes 1e-7 for small numbers,
 * which no HL7 parser reads as a number).
 */
export function nm(value: number): string {
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  // toFixed itself writes an exponent from 1e21 up: such a number is an integer, which BigInt writes out in full.
  if (Math.abs(value) >= 1e21) return BigInt(value).toString();
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** OBX-6: the MDC unit (code^MDC_DIM_…^MDC) when the record has one the tables know, else the UCUM string. */
export function unitComponents(unit: Unit): [string, string, string] {
  const mdc = unit.mdc === undefined ? undefined : mdcUnitByCode(unit.mdc);
  return mdc ? [String(mdc.mdc), mdc.ref, 'MDC'] : [unit.ucum, unit.ucum, 'UCUM'];
}

/**
 * OBX-11 (HL7 table 0085) for a device observation. R (results entered, not verified) is what PCD devices send for
 * a measurement; X (results cannot be obtained) for a value that is invalid or unavailable, sent with an empty OBX-5;
 * P for a value the device itself does not vouch for yet (questionable, or measured during calibration), the nearest
 * status the table has. Demo values stay R: training data is marked for the whole message by MSH-11 (T/D).
 */
export function resultStatus(validity: Validity): 'R' | 'X' | 'P' {
  switch (validity) {
    case 'valid':
    case 'demo':
      return 'R';
    case 'questionable':
    case 'calibrating':
      return 'P';
    case 'invalid':
    case 'unavailable':
      return 'X';
  }
}
