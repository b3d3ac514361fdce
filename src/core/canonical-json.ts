// RFC 8785 (JSON Canonicalization Scheme): the one byte form of a JSON value that signatures and hashes are taken
// over, so that the hospital and the gateway agree on what was signed however either side formats its JSON.
import canonicalize from 'canonicalize';

/** The canonical JSON text of a value. Throws on what JSON cannot carry (undefined, NaN, lone surrogates). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
