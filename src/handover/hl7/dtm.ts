// HL7 DTM for the messages we send: UTC with an explicit +0000 offset (the PCD TF asks for the offset, so a receiver
// never has to guess the vehicle's time zone), milliseconds only when there are any.

export function hl7Time(iso: string): string {
  return hl7TimeMs(Date.parse(iso));
}

export function hl7TimeMs(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  const millis = d.getUTCMilliseconds();
  return `${base}${millis ? `.${p(millis, 3)}` : ''}+0000`;
}
