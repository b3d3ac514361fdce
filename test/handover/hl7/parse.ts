// Reading the builder's output back with node-hl7-client, the library the receiving side of the tests trusts.
import { Message, type HL7Node } from 'node-hl7-client';

export function parse(body: string): Message {
  return new Message({ text: body });
}

/** Every segment with this id, in order (node-hl7-client answers a segment id with a list). */
export function segments(msg: Message, id: string): HL7Node[] {
  const out: HL7Node[] = [];
  msg.get(id).forEach((s) => out.push(s));
  return out;
}

/** One segment that must be there once. */
export function only(msg: Message, id: string): HL7Node {
  const all = segments(msg, id);
  if (all.length !== 1) throw new Error(`expected one ${id}, found ${all.length}`);
  return all[0]!;
}

/** A field, component or subcomponent of a segment, unescaped: field(obx, '3.1'). */
export function field(seg: HL7Node, path: string): string {
  return seg.get(path).toString();
}

/** Every repetition of a field (OBX-8), first component each. */
export function repetitions(seg: HL7Node, n: number): string[] {
  return seg.get(n).toArray().map((r) => r.toString());
}
