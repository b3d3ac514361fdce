// Analysers write units their own way (mmHg, mEq/l, µg/L); records carry UCUM. Only units in the UCUM table are
// emitted: ucumUnit() throws at module load for a code the table lacks.
import { codeTables, ucumUnit, type Unit } from '../../src/schema/index.js';

const SPELLINGS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['mm[Hg]', ['mmHg', 'mm Hg', 'mmhg', 'MMHG', 'torr', 'Torr']],
  ['kPa', ['kpa', 'KPA']],
  ['mmol/L', ['mmol/l', 'MMOL/L', 'mM', 'mmol/liter']],
  ['meq/L', ['mEq/L', 'mEq/l', 'meq/l', 'MEQ/L']],
  ['g/dL', ['g/dl', 'G/DL']],
  ['g/L', ['g/l']],
  ['mg/dL', ['mg/dl', 'MG/DL']],
  ['ng/mL', ['ng/ml', 'NG/ML']],
  ['ng/L', ['ng/l', 'NG/L']],
  ['ug/L', ['µg/L', 'μg/L', 'ug/l', 'µg/l']],
  ['pg/mL', ['pg/ml', 'PG/ML']],
  ['mg/L', ['mg/l', 'MG/L']],
  ['mg/g', ['MG/G', 'mg/g Crea', 'mg/g creat']],
  ['mg/mmol', ['MG/MMOL', 'mg/mmol Crea']],
  ['umol/L', ['µmol/L', 'μmol/L', 'umol/l', 'µmol/l', 'UMOL/L']],
  ['mmol/mol', ['MMOL/MOL', 'mmol/mol Hb']],
  ['U/L', ['u/l', 'U/l']],
  ['[IU]/L', ['IU/L', 'IU/l', 'iu/l']],
  ['m[IU]/mL', ['mIU/mL', 'mIU/ml', 'MIU/ML']],
  ['ug/mL', ['µg/mL', 'μg/mL', 'ug/ml', 'µg/ml']],
  ['mg/L{FEU}', ['mg/L FEU', 'mg/l FEU', 'mg FEU/L']],
  ['ug/L{FEU}', ['µg/L FEU', 'ug/L FEU', 'µg FEU/L']],
  ['ng/mL{FEU}', ['ng/mL FEU', 'ng/ml FEU', 'ng FEU/mL']],
  ['{INR}', ['INR', 'inr']],
  ['s', ['sec', 'secs', 'seconds']],
  ['%', ['percent', 'PCT', '% Hb']],
  ['[pH]', ['pH', 'PH']],
  ['Cel', ['°C', 'degC', 'C']],
];

const byName = new Map<string, Unit>();
for (const [ucum, spellings] of SPELLINGS) {
  const unit = ucumUnit(ucum);
  byName.set(ucum, unit);
  for (const s of spellings) byName.set(s, unit);
}

/** The UCUM unit for an analyser's unit text; undefined when it is not one we know (the caller keeps the text). */
export function ucumFor(text: string): Unit | undefined {
  const t = text.trim();
  return byName.get(t) ?? (codeTables.isUnit({ ucum: t }) ? { ucum: t } : undefined);
}
