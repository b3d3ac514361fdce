import t from 'tap';
import type { CompiledPoint } from '../../../drivers/modbus-ventilator/map.js';
import { decodeRegisters, encodeRegisters, WORD_ORDERS, type ValueType, type WordOrder } from '../../../drivers/modbus-ventilator/registers.js';
import { pointValue, registersFor } from '../../../drivers/modbus-ventilator/values.js';

t.test('the four orders of a float32, as libmodbus names them (123.456 = 0x42F6E979)', async (t) => {
  const expected: Record<WordOrder, number[]> = {
    ABCD: [0x42f6, 0xe979],
    BADC: [0xf642, 0x79e9],
    CDAB: [0xe979, 0x42f6],
    DCBA: [0x79e9, 0xf642],
  };
  for (const order of WORD_ORDERS) {
    t.same(encodeRegisters(123.456, 'float32', order), expected[order], `encode ${order}`);
    t.ok(Math.abs(decodeRegisters(expected[order], 0, 'float32', order) - 123.456) < 1e-4, `decode ${order}`);
  }
});

t.test('integers: 16-bit byte swap, 32-bit word and byte orders, signs', async (t) => {
  t.same(encodeRegisters(-2, 'int16', 'ABCD'), [0xfffe]);
  t.same(encodeRegisters(-2, 'int16', 'BADC'), [0xfeff]);
  t.same(encodeRegisters(-2, 'int16', 'CDAB'), [0xfffe], 'a 16-bit value has no word order');
  t.equal(decodeRegisters([0xfeff], 0, 'int16', 'DCBA'), -2);
  t.equal(decodeRegisters([0xfffe], 0, 'uint16', 'ABCD'), 65534);
  t.same(encodeRegisters(0x01020304, 'int32', 'ABCD'), [0x0102, 0x0304]);
  t.same(encodeRegisters(0x01020304, 'uint32', 'CDAB'), [0x0304, 0x0102]);
  t.same(encodeRegisters(0x01020304, 'uint32', 'DCBA'), [0x0403, 0x0201]);
  t.same(encodeRegisters(0x01020304, 'uint32', 'BADC'), [0x0201, 0x0403]);
  t.equal(decodeRegisters([9, 0x0304, 0x0102], 1, 'int32', 'CDAB'), 0x01020304, 'at an offset in a block');
  t.equal(decodeRegisters([0xffff, 0xfffe], 0, 'int32', 'ABCD'), -2);
});

t.test('every type round-trips in every order', async (t) => {
  const samples: Array<[ValueType, number]> = [
    ['int16', -12345],
    ['uint16', 54321],
    ['int32', -123456789],
    ['uint32', 4000000000],
    ['float32', -0.5],
    ['float64', Math.PI],
  ];
  for (const [type, value] of samples) {
    for (const order of WORD_ORDERS) {
      t.equal(decodeRegisters(encodeRegisters(value, type, order), 0, type, order), value, `${type} ${order}`);
    }
  }
});

const point = (over: Partial<CompiledPoint>): CompiledPoint => ({
  name: 'p',
  kind: 'measurement',
  label: 'p',
  unitId: 1,
  area: 'input',
  address: 0,
  words: 1,
  type: 'uint16',
  order: 'ABCD',
  bit: undefined,
  scale: 1,
  offset: 0,
  decimals: 0,
  metric: undefined,
  unit: undefined,
  alarm: undefined,
  modes: undefined,
  writable: undefined,
  readback: undefined,
  ...over,
});

t.test('scaled values are exact in their decimals, float32 noise is trimmed, bits are picked', async (t) => {
  t.equal(pointValue(point({ scale: 0.1, decimals: 1 }), [150], 0), 15, '150 × 0.1 is 15, not 15.000000000000002');
  t.equal(pointValue(point({ scale: 0.01, decimals: 2 }), [120], 0), 1.2);
  t.equal(pointValue(point({ type: 'int16', scale: 0.1, offset: -40, decimals: 1 }), [0xfffb], 0), -40.5);
  t.equal(pointValue(point({ type: 'float32', words: 2 }), encodeRegisters(22.4, 'float32', 'ABCD'), 0), 22.4);
  t.ok(Number.isNaN(pointValue(point({ type: 'float32', words: 2 }), [0x7fc0, 0], 0)), 'a float NaN stays NaN (published invalid)');
  t.equal(pointValue(point({ type: 'bool', bit: 3 }), [0b1000], 0), 1);
  t.equal(pointValue(point({ type: 'bool', bit: 2 }), [0b1000], 0), 0);
  t.equal(pointValue(point({ type: 'bool', area: 'discrete' }), [0, 1], 1), 1);
});

t.test('registers for a write: exact or refused', async (t) => {
  const peep = point({ type: 'int16', scale: 0.1, decimals: 1 });
  t.same(registersFor(peep, 8), [80]);
  t.same(registersFor(peep, -1.5), [0xfff1]);
  t.equal(registersFor(peep, 8.25), undefined, 'not a whole number of 0.1');
  t.equal(registersFor(point({}), 70000), undefined, 'does not fit a uint16');
  t.same(registersFor(point({ type: 'float32', words: 2, order: 'CDAB' }), 1.5), [0x0000, 0x3fc0]);
});
