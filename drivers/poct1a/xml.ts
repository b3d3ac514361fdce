// POCT1-A messages are small XML documents whose values live in attributes (V, U, SN, DN). They are parsed with
// saxes (strict, no DTD processing, no entity expansion beyond XML's own) into a plain element tree, bounded in
// depth and size so a hostile or broken device cannot make the gateway work hard.
import { SaxesParser } from 'saxes';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
}

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;

export class XmlError extends Error {}

/** Parses one whole document; throws XmlError when it is not well-formed or too deep or too large. */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: Error | undefined;
  parser.on('error', (err) => {
    failure ??= err;
  });
  parser.on('doctype', () => {
    failure ??= new XmlError('a DOCTYPE is not allowed in a POCT1-A message');
  });
  parser.on('opentag', (tag) => {
    if (++count > MAX_ELEMENTS || stack.length >= MAX_DEPTH) {
      failure ??= new XmlError('document too large or too deep');
      return;
    }
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
    const el: XmlElement = { name: tag.name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root ??= el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure instanceof XmlError ? failure : new XmlError(failure.message);
  if (!root) throw new XmlError('no root element');
  return root;
}

/** The first child with this name, searching only direct children. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The V attribute of a direct child: POCT1-A's way of carrying a value (<HDR.control_id V="42"/>). */
export function valueOf(el: XmlElement | undefined, name: string): string | undefined {
  return child(el, name)?.attrs.V;
}

/** Text safe inside an attribute value. */
export function escapeAttr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
