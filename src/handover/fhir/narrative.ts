// Human-readable text for the handover document's sections (FHIR Narrative: XHTML in a div), escaped, never raw.
import type { Narrative, Observation } from 'fhir/r4.js';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A narrative of paragraphs, or of one list when given several lines. */
export function narrative(lines: readonly string[]): Narrative {
  const body =
    lines.length === 1 ? `<p>${escapeXml(lines[0]!)}</p>` : `<ul>${lines.map((l) => `<li>${escapeXml(l)}</li>`).join('')}</ul>`;
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>` };
}

/** "Heart rate 78 /min at 10:02:05Z", from the Observation itself (so the text says what the entry says). */
export function observationLine(o: Observation): string {
  const name = o.code.text ?? o.code.coding?.find((c) => c.system === 'http://loinc.org')?.display ?? o.code.coding?.[0]?.display ?? 'value';
  const at = (o.effectiveDateTime ?? o.effectivePeriod?.start ?? '').slice(11, 19);
  let value: string;
  if (o.valueQuantity) value = `${o.valueQuantity.value ?? '?'} ${o.valueQuantity.unit ?? ''}`.trim();
  else if (o.valueString !== undefined) value = o.valueString;
  else if (o.component?.length) {
    const q = o.component.map((c) => c.valueQuantity?.value ?? '?');
    value = `${q[0]}/${q[1]}${q[2] !== undefined ? ` (${q[2]})` : ''} ${o.component[0]?.valueQuantity?.unit ?? ''}`.trim();
  } else value = `no value (${o.dataAbsentReason?.coding?.[0]?.code ?? 'unknown'})`;
  const flags = o.interpretation?.map((i) => i.coding?.[0]?.code).filter(Boolean).join(',');
  return `${name}: ${value}${flags ? ` [${flags}]` : ''}${at ? ` at ${at}Z` : ''}${o.status === 'preliminary' ? ' (preliminary)' : ''}`;
}
