// The analysers' unit spellings → UCUM, for the point-of-care tests; anything else is not invented.
import t from 'tap';
import { ucumFor } from '../../../drivers/lab/units.js';
import { codeTables } from '../../../src/schema/index.js';

t.test('point-of-care units as analysers write them', async (t) => {
  const cases: Array<[string, string]> = [
    ['mg/L', 'mg/L'], ['mg/l', 'mg/L'], ['mg/g', 'mg/g'], ['mg/mmol', 'mg/mmol'], ['ng/L', 'ng/L'], ['pg/mL', 'pg/mL'],
    ['ng/mL', 'ng/mL'], ['µg/L', 'ug/L'], ['μg/L', 'ug/L'], ['g/dL', 'g/dL'], ['g/L', 'g/L'], ['mmol/mol', 'mmol/mol'],
    ['%', '%'], ['U/L', 'U/L'], ['IU/L', '[IU]/L'], ['mIU/mL', 'm[IU]/mL'], ['s', 's'], ['sec', 's'], ['INR', '{INR}'],
    ['{INR}', '{INR}'], ['µmol/L', 'umol/L'], ['mg/L FEU', 'mg/L{FEU}'], ['mg/dL', 'mg/dL'], ['mmol/L', 'mmol/L'],
  ];
  for (const [text, ucum] of cases) {
    const u = ucumFor(text);
    t.equal(u?.ucum, ucum, `${text} → ${ucum}`);
    if (u) t.ok(codeTables.isUnit(u), `${ucum} is in the UCUM table`);
  }
});

t.test('a unit that is not UCUM is not guessed', async (t) => {
  for (const text of ['mg per litre', 'mgl', 'U', 'ratio', 'S']) t.equal(ucumFor(text), undefined, text);
});
