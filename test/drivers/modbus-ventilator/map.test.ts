// The register map: its checks at config load (with the YAML line of each problem), and its compilation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { compileMap, validateMap } from '../../../drivers/modbus-ventilator/map.js';
import { SIMULATED_VENTILATOR_MAP, withDefaults, type MapInput } from '../../../drivers/modbus-ventilator/sim-map.js';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { packageRoot } from '../../../src/core/paths.js';

const mdc = { mdc: 'MDC_VENT_PRESS_AWAY_END_EXP_POS', unit: 'cm[H2O]' } as const;
const problems = (input: MapInput) => validateMap(withDefaults(input)).map((p) => `${p.path.join('.')}: ${p.message}`);

t.test("the simulated ventilator's map is valid and compiles into read blocks", async (t) => {
  t.same(problems(SIMULATED_VENTILATOR_MAP), []);
  const map = compileMap(withDefaults(SIMULATED_VENTILATOR_MAP));
  const blocks = Object.fromEntries(map.groups.map((g) => [g.name, g.blocks.map((b) => `${b.area} ${b.address}+${b.length} (${b.points.length})`)]));
  t.same(blocks, {
    fast: ['discrete 0+3 (3)', 'input 0+17 (11)', 'input 30+1 (1)'],
    settings: ['input 20+7 (7)'],
  }, 'adjacent points share a request; the written holding registers are not polled (they are read back elsewhere)');
  t.same([...map.writable.keys()], ['vt', 'rr', 'peep', 'fio2', 'pinsp', 'ti']);
  t.equal(map.writable.get('peep')!.readback!.name, 'peep-readback');
  const wide = compileMap(withDefaults({ ...SIMULATED_VENTILATOR_MAP, maxGapRegisters: 16 }));
  t.same(wide.groups[0]!.blocks.map((b) => `${b.area} ${b.address}+${b.length}`), ['discrete 0+3', 'input 0+31'], 'maxGapRegisters reads across unmapped registers');
});

t.test('overlaps, types that do not fit the area, and bits', async (t) => {
  const found = problems({
    points: [
      { name: 'a', area: 'holding', address: 10, type: 'float32', ...mdc },
      { name: 'b', area: 'holding', address: 11, ...mdc },
      { name: 'c', area: 'holding', address: 11, unitId: 2, ...mdc },
      { name: 'd', area: 'input', address: 5, type: 'bool', bit: 0, kind: 'alarm', alarm: { text: 'x' } },
      { name: 'e', area: 'input', address: 5, type: 'bool', bit: 1, kind: 'alarm', alarm: { text: 'y' } },
      { name: 'f', area: 'input', address: 5, type: 'bool', bit: 1, kind: 'alarm', alarm: { text: 'z' } },
      { name: 'g', area: 'coil', address: 0, type: 'uint16', ...mdc },
      { name: 'h', area: 'input', address: 40, type: 'bool', kind: 'alarm', alarm: { text: 'no bit' } },
      { name: 'i', area: 'input', address: 65535, type: 'float32', ...mdc },
      { name: 'a', area: 'input', address: 50, ...mdc },
    ],
  });
  t.same([...found].sort(), [
    'points.1.address: holding 11 of unit 1 overlaps points[0] "a"',
    'points.5.address: input 5 bit 1 of unit 1 overlaps points[4] "e"',
    'points.6.type: a coil is a single bit: type must be bool, not uint16',
    'points.7.type: a bool in a register needs bit: 0–15',
    'points.8.address: a float32 at 65535 runs past the last address (65535)',
    'points.9.name: duplicate point name "a" (also points[0])',
  ], 'another unit id, and other bits of one register, do not overlap');
});

t.test('codes and units from the tables, kinds and their keys, groups', async (t) => {
  const found = problems({
    points: [
      { name: 'a', area: 'input', address: 0, mdc: 'MDC_NOT_A_TERM', unit: 'cmH2O' },
      { name: 'b', area: 'input', address: 1, mdc: 'MDC_VOL_AWAY_TIDAL', unit: 'mL', mdcUnit: 'MDC_DIM_PERCENT' },
      { name: 'c', area: 'input', address: 2, unit: 'mL' },
      { name: 'd', area: 'input', address: 3, ...mdc, writable: { min: 0, max: 10, step: 1 } },
      { name: 'e', area: 'discrete', address: 0, type: 'bool', kind: 'alarm' },
      { name: 'f', area: 'input', address: 4, kind: 'mode' },
      { name: 'g', area: 'input', address: 5, ...mdc, group: 'slow' },
    ],
  });
  t.same(found, [
    'points.0.mdc: MDC_NOT_A_TERM is not in the MDC code table',
    'points.0.unit: "cmH2O" is not a known UCUM unit',
    'points.1.mdcUnit: MDC_DIM_PERCENT is %, but unit says mL',
    'points.2: a measurement needs mdc (its IEEE 11073 term)',
    'points.3.writable: writable has no meaning for a measurement',
    'points.4: an alarm needs alarm: {text, priority, category}',
    'points.5: a mode needs values: {register value: mode name}',
    'points.6.group: no poll group "slow"',
  ]);
});

t.test('writable settings: holding registers, a range on the grid, values the register holds, a readback that exists', async (t) => {
  const setting = { kind: 'setting' as const, ...mdc };
  const found = problems({
    points: [
      { name: 'a', area: 'input', address: 0, ...setting, writable: { min: 0, max: 20, step: 1 } },
      { name: 'b', area: 'holding', address: 1, ...setting, writable: { min: 20, max: 0, step: 1 } },
      { name: 'c', area: 'holding', address: 2, ...setting, writable: { min: 0, max: 10, step: 3 } },
      { name: 'd', area: 'holding', address: 3, ...setting, type: 'int16', scale: 0.1, writable: { min: 0, max: 20, step: 0.25 } },
      { name: 'e', area: 'holding', address: 4, ...setting, type: 'uint16', writable: { min: -5, max: 20, step: 1 } },
      { name: 'f', area: 'holding', address: 5, ...setting, writable: { min: 0, max: 20, step: 1 }, readback: 'nope' },
      { name: 'g', area: 'holding', address: 6, ...setting, writable: { min: 0, max: 20, step: 1 }, readback: 'h' },
      { name: 'h', area: 'input', address: 7, ...mdc },
      { name: 'i', area: 'holding', address: 8, ...setting, writable: { min: 0, max: 20, step: 1 }, readback: 'j' },
      { name: 'j', area: 'input', address: 9, kind: 'setting', mdc: 'MDC_CONC_AWAY_O2_INSP', unit: '%' },
    ],
  });
  t.same(found, [
    'points.0.area: only holding registers can be written',
    'points.1.writable.max: max (0) must be above min (20)',
    'points.2.writable.step: the range 0–10 is not a whole number of steps of 3',
    'points.3.writable: min, max and step must be whole multiples of scale (0.1) from offset (0) for an int16',
    'points.4.writable: -5–20 does not fit an uint16 with scale 1 and offset 0',
    'points.5.readback: no point "nope"',
    'points.6.readback: "h" must be a setting that is not itself written',
    'points.8.readback: "j" reads MDC_CONC_AWAY_O2_INSP in %, not MDC_VENT_PRESS_AWAY_END_EXP_POS in cm[H2O]',
  ]);
});

t.test('the config loader reports map problems with the line of the point, and the shipped demo map is the simulator\'s', async (t) => {
  const yaml = stringify({
    vehicle: { id: 'V1' },
    devices: [
      {
        id: 'vent',
        driver: 'modbus-ventilator',
        transport: { type: 'modbus-tcp', host: '127.0.0.1' },
        options: {
          points: [
            { name: 'ppeak', area: 'input', address: 0, type: 'float32', ...mdc },
            { name: 'peep', area: 'input', address: 1, ...mdc },
          ],
        },
      },
    ],
  });
  let caught: unknown;
  try {
    parseConfig(yaml, 'vehicle.yaml', {});
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof ConfigError, 'the config is refused');
  const problem = (caught as ConfigError).problems[0]!;
  const line = yaml.split('\n').findIndex((l) => l.includes('address: 1')) + 1;
  t.match(problem, { path: 'devices[0].options.points[1].address', line, message: /overlaps points\[0\] "ppeak"/, hint: /one point/ });

  const demo = join(packageRoot(), 'config/demo.yaml');
  const loaded = parseConfig(readFileSync(demo, 'utf8'), demo, { AMBULINK_DEMO_DIR: '/tmp/d' });
  const vent2 = loaded.config.devices.find((d) => d.driver === 'modbus-ventilator')!;
  t.same(vent2.options, withDefaults(SIMULATED_VENTILATOR_MAP), 'config/demo.yaml ships exactly the map the simulator serves');
});
