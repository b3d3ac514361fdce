// Formatting shared by the panels: ages, numbers in their unit, validity words.

/** "4 s", "3 min", "2 h" — how long ago, rounded down. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

export function number(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  const a = Math.abs(v);
  return a >= 100 || Number.isInteger(v) ? String(Math.round(v)) : a >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/0$/, '');
}

/** UCUM units as a clinician reads them. */
export function unit(ucum: string | undefined): string {
  if (!ucum || ucum === '1') return '';
  return ucum.replace('mm[Hg]', 'mmHg').replace('cm[H2O]', 'cmH2O').replace('Cel', '°C');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function clock(iso: string | undefined | null): string {
  return iso ? iso.slice(11, 19) : '—';
}
