// From an analyser's own test id (`pH`, `cLac`, `cTnI`) to the LOINC code of the result, per specimen type and, where
// LOINC has one term per property (Mass/volume vs Moles/volume), per unit. The default map is data (tests.json); a
// device's `options.tests` adds entries or replaces them, so a site can follow its analyser's manual without a code
// change.
import { Type, type Static } from '@sinclair/typebox';
import { codeTables, loincTest, ucumUnit } from '../../src/schema/index.js';
import { ucumFor } from './units.js';
import defaults from './tests.json' with { type: 'json' };

const Loinc = Type.String({ pattern: '^[0-9]{1,7}-[0-9]$', description: 'LOINC code, e.g. 2744-1' });

export const SpecimenClass = Type.Union([
  Type.Literal('blood'),
  Type.Literal('arterial'),
  Type.Literal('venous'),
  Type.Literal('capillary'),
]);
export type SpecimenClass = Static<typeof SpecimenClass>;

const LoincBySpecimen = Type.Object(
  {
    blood: Loinc,
    arterial: Type.Optional(Loinc),
    venous: Type.Optional(Loinc),
    capillary: Type.Optional(Loinc),
  },
  { additionalProperties: false, description: 'blood: when the specimen is unknown or of another type' },
);

export const TestEntry = Type.Object(
  {
    loinc: Type.Union([Loinc, LoincBySpecimen]),
    byUnit: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Union([Loinc, LoincBySpecimen]), {
        description:
          'UCUM unit → LOINC, for a test whose LOINC term depends on the unit it is reported in (urea mmol/L vs mg/dL); ' +
          'loinc is used for any other unit and when the analyser sends none',
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, description: 'Display name; default: the LOINC name' })),
    unit: Type.Optional(Type.String({ minLength: 1, description: 'UCUM unit assumed when the analyser sends none' })),
    shortName: Type.Optional(Type.String({ minLength: 1, description: 'Short display name; default: the LOINC short name' })),
  },
  { additionalProperties: false },
);
export type TestEntry = Static<typeof TestEntry>;

/** The `tests:` option of the lab drivers: analyser test id → LOINC, added to (or replacing) the default map. */
export const TestMapOption = Type.Record(Type.String({ minLength: 1 }), TestEntry, {
  default: {},
  description: 'Analyser test id → LOINC (and unit), added to the built-in map of drivers/lab/tests.json',
});
export type TestMapOption = Static<typeof TestMapOption>;

export interface MappedTest {
  readonly loinc: string;
  readonly name: string;
  /** Short display name (the LOINC SHORTNAME, or the map's own), for narrow displays. */
  readonly shortName: string | undefined;
  /** The unit to assume when the analyser sends none. */
  readonly unit: string | undefined;
}

type BySpecimen = Readonly<Record<SpecimenClass, MappedTest>>;

interface Compiled {
  readonly bySpecimen: BySpecimen;
  /** UCUM unit → the codes for a result in that unit (Moles/volume vs Mass/volume terms). */
  readonly byUnit: ReadonlyMap<string, BySpecimen>;
}

export interface TestMap {
  /**
   * undefined when the analyser's id is in neither the device's map nor the default one. ucum: the result's unit in
   * UCUM form, when known; it picks the LOINC term of that property where the entry has one (byUnit).
   */
  lookup(vendorId: string, specimen: SpecimenClass, ucum?: string): MappedTest | undefined;
}

function compile(entry: TestEntry): Compiled {
  const byUnit = new Map<string, BySpecimen>();
  // A site may write the unit as its analyser does (mg/dl): keyed by its UCUM form where we know it.
  for (const [unit, loinc] of Object.entries(entry.byUnit ?? {})) byUnit.set(ucumFor(unit)?.ucum ?? unit, specimens(entry, loinc));
  return { bySpecimen: specimens(entry, entry.loinc), byUnit };
}

function specimens(entry: TestEntry, loinc: TestEntry['loinc']): BySpecimen {
  const codes = typeof loinc === 'string' ? { blood: loinc } : loinc;
  const one = (loinc: string): MappedTest => ({
    loinc,
    // A site's own LOINC, not in our table, is shown under the name the site gave it.
    name: codeTables.isLoinc(loinc) ? loincTest(loinc).name : (entry.name ?? loinc),
    shortName: entry.shortName ?? (codeTables.isLoinc(loinc) ? loincTest(loinc).shortName : undefined),
    unit: entry.unit,
  });
  const blood = one(codes.blood);
  return {
    blood,
    arterial: codes.arterial ? one(codes.arterial) : blood,
    venous: codes.venous ? one(codes.venous) : blood,
    capillary: codes.capillary ? one(codes.capillary) : blood,
  };
}

const codesOf = (loinc: TestEntry['loinc']): string[] => (typeof loinc === 'string' ? [loinc] : Object.values(loinc));

const builtIn = new Map<string, Compiled>();
for (const t of defaults.tests as Array<{ ids: string[]; loinc: TestEntry['loinc']; byUnit?: TestEntry['byUnit']; unit?: string }>) {
  // Every default code must be in the LOINC table and every byUnit key a UCUM code of the UCUM table: loincTest and
  // ucumUnit throw at load otherwise.
  for (const code of [t.loinc, ...Object.values(t.byUnit ?? {})].flatMap(codesOf)) loincTest(code);
  for (const unit of Object.keys(t.byUnit ?? {})) ucumUnit(unit);
  const entry: TestEntry = { loinc: t.loinc };
  if (t.byUnit) entry.byUnit = t.byUnit;
  if (t.unit) entry.unit = t.unit;
  const compiled = compile(entry);
  for (const id of t.ids) builtIn.set(id, compiled);
}

export function createTestMap(overrides: TestMapOption = {}): TestMap {
  const exact = new Map(builtIn);
  // Analysers differ in case (PCO2, pCO2): an exact match wins, then a match ignoring case.
  const folded = new Map<string, Compiled>();
  for (const [id, c] of builtIn) if (!folded.has(id.toLowerCase())) folded.set(id.toLowerCase(), c);
  for (const [id, entry] of Object.entries(overrides)) {
    const c = compile(entry);
    exact.set(id, c);
    folded.set(id.toLowerCase(), c);
  }
  return {
    lookup(vendorId, specimen, ucum) {
      const c = exact.get(vendorId) ?? folded.get(vendorId.toLowerCase());
      if (!c) return undefined;
      return ((ucum !== undefined ? c.byUnit.get(ucum) : undefined) ?? c.bySpecimen)[specimen];
    },
  };
}

/** The analyser's specimen description (E1394 O-16 "Arterial", POCT1 SPC.type_cd "ART") as a LOINC system class. */
export function specimenClass(description: string | undefined): SpecimenClass {
  if (!description) return 'blood';
  const d = description.toLowerCase();
  // Cord and mixed-venous blood have LOINC systems of their own that the map does not carry: the generic code is
  // less specific but not wrong.
  if (d.includes('cord') || d.includes('mix')) return 'blood';
  if (d.startsWith('art') || d.includes('arterial') || d === 'bla' || d === 'blda') return 'arterial';
  if (d.startsWith('ven') || d.includes('venous') || d === 'blv' || d === 'bldv') return 'venous';
  if (d.startsWith('cap') || d.includes('capillary') || d === 'blc' || d === 'bldc') return 'capillary';
  return 'blood';
}
