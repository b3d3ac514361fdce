// The Connect Indication: the datagram an IntelliVue monitor with Data Export on its LAN broadcasts to UDP port
// 24005 (about every 10 s) to say it is there. Layout (big-endian): Nomenclature (magic 0, major, minor), ROapdus
// {ro_type = 1 ROIV, length}, ROIVapdu {invoke id, command = 0 EVENT_REPORT, length}, EventReportArgument {managed
// object {class, context, handle}, event time, event type = NOM_NOTI_CONN_INDIC 0x0D17, length}, then the
// ConnectIndInfo attribute list. The attributes read here:
//   NOM_ATTR_ID_MODEL 0x0928         SystemModel: manufacturer, model number (VariableLabels)
//   NOM_ATTR_ID_PROD_SPECN 0x092D    ProductionSpec list {spec type, component id, octet string}; type 1 = serial
//   NOM_ATTR_NET_ADDR_INFO 0xF100    IpAddressInfo: MAC (6), IP address (4), subnet mask (4)
//   NOM_ATTR_PCOL_SUPPORT 0xF101     ProtoSupport list {application protocol, transport protocol, port, options};
//                                    application 5 (AP_ID_DATA_OUT) on transport 1 (UDP) is the Data Export port
// Checked against a Connect Indication captured from an IntelliVue (model M8007A) in a public repository (see
// fixtures/philips-intellivue/PROVENANCE.md).
import { eachAttribute } from './attributes.js';
import { need, readLabel, WireError, Writer, writeLabel } from './wire.js';

export const CONNECT_INDICATION_PORT = 24005;
export const NOM_NOTI_CONN_INDIC = 0x0d17;
const NOM_ATTR_ID_MODEL = 0x0928;
const NOM_ATTR_ID_PROD_SPECN = 0x092d;
const NOM_ATTR_NET_ADDR_INFO = 0xf100;
const NOM_ATTR_PCOL_SUPPORT = 0xf101;
const NOM_MOC_MDS_COMPOS_SINGLE_BED = 0x0023;
const SPEC_SERIAL_NUMBER = 1;
const AP_ID_DATA_OUT = 5;
const TP_ID_UDP = 1;
/** Where Data Export listens when the indication does not say (the protocol's fixed port). */
export const DATA_EXPORT_PORT = 24105;

export interface ConnectIndication {
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** The monitor's IP address as it announces it (dotted quad). */
  address?: string;
  mac?: string;
  /** Its Data Export UDP port. */
  port: number;
}

/** Reads a Connect Indication; throws WireError when the datagram is something else or malformed. */
export function parseConnectIndication(b: Buffer): ConnectIndication {
  need(0, 32, b.length, 'Connect Indication');
  if (b.readUInt16BE(0) !== 0) throw new WireError('not a Data Export datagram (Nomenclature magic is not 0)');
  if (b.readUInt16BE(4) !== 1) throw new WireError('not an invoke (ROIV) message');
  if (b.readUInt16BE(24) !== NOM_NOTI_CONN_INDIC) throw new WireError(`event 0x${b.readUInt16BE(24).toString(16)} is not a Connect Indication`);
  const end = Math.min(b.length, 28 + b.readUInt16BE(26));
  const info: ConnectIndication = { port: DATA_EXPORT_PORT };
  eachAttribute(b, 28, end, (id, v, vEnd) => {
    if (id === NOM_ATTR_ID_MODEL) {
      info.manufacturer = readLabel(b, v, vEnd);
      const n = b.readUInt16BE(v);
      info.model = readLabel(b, v + 2 + n + (n % 2), vEnd); // labels occupy an even number of bytes
    } else if (id === NOM_ATTR_ID_PROD_SPECN) {
      need(v, 4, vEnd, 'ProductionSpec');
      const count = b.readUInt16BE(v);
      let o = v + 4;
      for (let i = 0; i < count && o + 6 <= vEnd; i++) {
        const type = b.readUInt16BE(o);
        const n = b.readUInt16BE(o + 4);
        if (type === SPEC_SERIAL_NUMBER && info.serial === undefined) info.serial = readLabel(b, o + 4, vEnd);
        o += 6 + n;
      }
    } else if (id === NOM_ATTR_NET_ADDR_INFO) {
      need(v, 14, vEnd, 'IpAddressInfo');
      info.mac = [...b.subarray(v, v + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
      info.address = [...b.subarray(v + 6, v + 10)].join('.');
    } else if (id === NOM_ATTR_PCOL_SUPPORT) {
      need(v, 4, vEnd, 'ProtoSupport');
      const count = b.readUInt16BE(v);
      for (let i = 0, o = v + 4; i < count && o + 8 <= vEnd; i++, o += 8) {
        if (b.readUInt16BE(o) === AP_ID_DATA_OUT && b.readUInt16BE(o + 2) === TP_ID_UDP) info.port = b.readUInt16BE(o + 4);
      }
    }
  });
  return info;
}

/** The simulator's announcement: the same layout with the attributes above (and nothing the driver does not read). */
export function encodeConnectIndication(info: Required<Omit<ConnectIndication, 'mac'>> & { mac?: string }, eventTime = 0): Buffer {
  const w = new Writer(160);
  w.u16(0).u8(1).u8(0); // Nomenclature 1.0
  w.u16(1); // ROIV
  const roLen = w.lengthAt();
  w.u16(0).u16(0); // invoke id, EVENT_REPORT
  const roivLen = w.lengthAt();
  w.u16(NOM_MOC_MDS_COMPOS_SINGLE_BED).u16(0).u16(0).u32(eventTime).u16(NOM_NOTI_CONN_INDIC);
  const argLen = w.lengthAt();
  w.u16(4); // attribute count
  const listLen = w.lengthAt();
  w.u16(NOM_ATTR_ID_MODEL);
  const modelLen = w.lengthAt();
  writeLabel(w, info.manufacturer);
  writeLabel(w, info.model);
  w.patchLength(modelLen);
  w.u16(NOM_ATTR_ID_PROD_SPECN);
  const specLen = w.lengthAt();
  w.u16(1);
  const specListLen = w.lengthAt();
  w.u16(SPEC_SERIAL_NUMBER).u16(0);
  writeLabel(w, info.serial);
  w.patchLength(specListLen);
  w.patchLength(specLen);
  w.u16(NOM_ATTR_NET_ADDR_INFO).u16(14);
  const mac = (info.mac ?? '00:09:fb:00:00:01').split(':').map((x) => parseInt(x, 16));
  w.bytes(mac).bytes(info.address.split('.').map(Number)).bytes([255, 255, 255, 0]);
  w.u16(NOM_ATTR_PCOL_SUPPORT).u16(12).u16(1).u16(8).u16(AP_ID_DATA_OUT).u16(TP_ID_UDP).u16(info.port).u16(0);
  w.patchLength(listLen);
  w.patchLength(argLen);
  w.patchLength(roivLen);
  w.patchLength(roLen);
  return w.toBuffer();
}
