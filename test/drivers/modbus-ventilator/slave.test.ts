// The simulator's Modbus device side: request parsing, RTU framing by length and CRC (with resynchronisation), TCP.
import t from 'tap';
import { RtuFraming, TcpFraming, crc16, parseRequest, registersResponse, writeResponse } from '../../../drivers/modbus-ventilator/slave.js';
import { chunks, randomBytes, seededRandom } from '../../helpers/fuzz.js';

const rtu = (hex: string) => {
  const body = Buffer.from(hex.replace(/ /g, ''), 'hex');
  const b = Buffer.alloc(body.length + 2);
  body.copy(b);
  b.writeUInt16LE(crc16(body), body.length);
  return b;
};

function rtuDevice() {
  const requests: Array<[number, string]> = [];
  const sent: Buffer[] = [];
  const framing = new RtuFraming(
    (unit, pdu) => {
      requests.push([unit, pdu.toString('hex')]);
      return registersResponse(3, [0x1234]);
    },
    (b) => sent.push(b),
  );
  return { framing, requests, sent };
}

t.test('CRC-16/MODBUS: the classic read request 01 03 00 00 00 0A ends C5 CD', async (t) => {
  t.same(rtu('01 03 00 00 00 0A'), Buffer.from('01030000000AC5CD', 'hex'));
});

t.test('RTU: requests found by length and CRC, after noise, across chunks; answers carry unit and CRC', async (t) => {
  const { framing, requests, sent } = rtuDevice();
  const write16 = rtu('01 10 00 02 00 02 04 00 0A 01 02');
  framing.push(Buffer.concat([Buffer.from([0xff, 0x00, 0x41]), rtu('01 03 00 00 00 0A').subarray(0, 5)]));
  framing.push(Buffer.concat([rtu('01 03 00 00 00 0A').subarray(5), write16.subarray(0, 3)]));
  framing.push(write16.subarray(3));
  t.same(requests, [
    [1, '030000000a'],
    [1, '100002000204000a0102'],
  ]);
  t.same(sent[0], rtu('01 03 02 12 34'));
  const bad = rtu('01 06 00 01 00 03');
  bad[7] = bad[7]! ^ 1;
  framing.push(Buffer.concat([bad, rtu('01 06 00 01 00 04')]));
  t.same(requests.slice(2), [[1, '0600010004']], 'a request with a bad CRC is not served, the next one is');
});

t.test('RTU: after random noise, repeated requests get through (the framing slides to the next valid request)', async (t) => {
  const random = seededRandom(0x5a5a);
  const clean = rtu('07 04 00 10 00 02');
  let starved = 0;
  for (let i = 0; i < 2000; i++) {
    const { framing, requests } = rtuDevice();
    for (const c of chunks(randomBytes(random, 200), random)) framing.push(c);
    const before = requests.length;
    // A gateway that gets no answer asks again: 40 repetitions outlast any false length the noise announced.
    for (let k = 0; k < 40; k++) framing.push(clean);
    if (!requests.slice(before).some(([unit, pdu]) => unit === 7 && pdu === '0400100002')) starved++;
  }
  t.equal(starved, 0);
});

t.test('TCP: MBAP frames across chunks, the transaction id echoed', async (t) => {
  const sent: Buffer[] = [];
  const framing = new TcpFraming((_unit, pdu) => (pdu[0] === 6 ? writeResponse(parseRequest(pdu) as never) : undefined), (b) => sent.push(b));
  const req = Buffer.from('00070000000601060003002a', 'hex');
  framing.push(req.subarray(0, 4));
  framing.push(Buffer.concat([req.subarray(4), req]));
  t.same(sent, [req, req], 'FC 6 is answered with an echo, under the same transaction id');
  framing.push(Buffer.from('0008000000060104000000010000000000', 'hex'));
  t.equal(sent.length, 2, 'a request the device does not answer gets nothing');
});

t.test('requests the device cannot parse are Modbus exceptions', async (t) => {
  t.throws(() => parseRequest(Buffer.from('2b0e0100', 'hex')), { name: 'ModbusException', code: 1 }, 'MEI (device identification) is not offered');
  t.throws(() => parseRequest(Buffer.from('0300000000', 'hex')), { code: 3 }, 'zero registers');
  t.throws(() => parseRequest(Buffer.from('07000000000000', 'hex')), { code: 1 }, 'unknown function');
  t.same(parseRequest(Buffer.from('100002000204000a0102', 'hex')), { fc: 16, address: 2, values: [10, 0x102] });
});
