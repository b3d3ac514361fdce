// Plausible point-of-care results for the simulators: one patient whose blood gas drifts slowly, with values that
// agree with each other (pH from pCO2 and bicarbonate by Henderson–Hasselbalch, sO2 from pO2 by Severinghaus), and
// flags set against the reference ranges as an analyser would.

export interface SimResult {
  /** The analyser's test id (Radiometer-style). */
  id: string;
  value: number;
  /** Unit as the analyser writes it; '' for pH. */
  unit: string;
  low: number;
  high: number;
  decimals: number;
  flag: 'N' | 'L' | 'H' | 'LL' | 'HH';
}

interface Drift {
  value: number;
  min: number;
  max: number;
  step: number;
}

function result(id: string, value: number, unit: string, low: number, high: number, decimals: number, critLow = -Infinity, critHigh = Infinity): SimResult {
  const v = Number(value.toFixed(decimals));
  const flag = v < critLow ? 'LL' : v > critHigh ? 'HH' : v < low ? 'L' : v > high ? 'H' : 'N';
  return { id, value: v, unit, low, high, decimals, flag };
}

export type Panel = 'bloodgas' | 'cardiac' | 'full';

export class SimPatient {
  private readonly s: Record<'pCO2' | 'hco3' | 'pO2' | 'lac' | 'k' | 'na' | 'ca' | 'glu' | 'hb' | 'tni', Drift> = {
    pCO2: { value: 44, min: 28, max: 65, step: 2 },
    hco3: { value: 23, min: 15, max: 30, step: 1 },
    pO2: { value: 82, min: 55, max: 130, step: 5 },
    lac: { value: 2.2, min: 0.6, max: 6, step: 0.4 },
    k: { value: 4.1, min: 3.0, max: 5.8, step: 0.15 },
    na: { value: 139, min: 130, max: 148, step: 1 },
    ca: { value: 1.19, min: 1.0, max: 1.35, step: 0.02 },
    glu: { value: 6.5, min: 3.8, max: 12, step: 0.4 },
    hb: { value: 13.8, min: 9, max: 17, step: 0.2 },
    tni: { value: 0.03, min: 0, max: 2.5, step: 0.04 },
  };

  constructor(private readonly random: () => number) {}

  /** The next sample's results. */
  sample(panel: Panel): SimResult[] {
    for (const d of Object.values(this.s)) {
      d.value = Math.min(d.max, Math.max(d.min, d.value + (this.random() * 2 - 1) * d.step));
    }
    const out: SimResult[] = [];
    if (panel !== 'cardiac') out.push(...this.bloodGas());
    if (panel !== 'bloodgas') out.push(result('cTnI', this.s.tni.value, 'ng/mL', 0, 0.04, 2));
    return out;
  }

  /** A quality-control level-2 run: values near the control's target, same ids. */
  qc(panel: Panel): SimResult[] {
    const j = (v: number, spread: number) => v + (this.random() * 2 - 1) * spread;
    const out: SimResult[] = [];
    if (panel !== 'cardiac') {
      out.push(result('pH', j(7.4, 0.01), '', 7.38, 7.42, 3));
      out.push(result('pCO2', j(40, 1), 'mmHg', 37, 43, 1));
      out.push(result('pO2', j(100, 3), 'mmHg', 94, 106, 0));
    }
    if (panel !== 'bloodgas') out.push(result('cTnI', j(0.5, 0.03), 'ng/mL', 0.42, 0.58, 2));
    return out;
  }

  private bloodGas(): SimResult[] {
    const { pCO2, hco3, pO2 } = this.s;
    const pH = 6.1 + Math.log10(hco3.value / (0.0307 * pCO2.value));
    const be = 0.93 * (hco3.value - 24.4 + 14.83 * (pH - 7.4));
    const p = pO2.value;
    const sO2 = 100 / (23400 / (p * p * p + 150 * p) + 1);
    return [
      result('pH', pH, '', 7.35, 7.45, 3, 7.2, 7.6),
      result('pCO2', pCO2.value, 'mmHg', 35, 45, 1, 20, 70),
      result('pO2', p, 'mmHg', 80, 100, 0, 40),
      result('cHCO3-', hco3.value, 'mmol/L', 22, 26, 1),
      result('cBase(Ecf)', be, 'mmol/L', -2, 3, 1),
      result('sO2', sO2, '%', 95, 99, 1),
      result('cLac', this.s.lac.value, 'mmol/L', 0.5, 1.6, 1, -Infinity, 4),
      result('cK+', this.s.k.value, 'mmol/L', 3.5, 5.0, 1, 2.8, 6.2),
      result('cNa+', this.s.na.value, 'mmol/L', 136, 146, 0, 120, 160),
      result('cCa2+', this.s.ca.value, 'mmol/L', 1.15, 1.29, 2),
      result('cGlu', this.s.glu.value, 'mmol/L', 3.9, 5.8, 1),
      result('ctHb', this.s.hb.value, 'g/dL', 12, 17.5, 1),
    ];
  }
}

export function formatValue(r: SimResult): string {
  return r.value.toFixed(r.decimals);
}
