// Human-readable figures for pumpctl: volumes from nanolitres, durations from milliseconds,
// rates from nanolitres a day, and a coloured word where the terminal takes colour.

export function ml(nl: number): string {
  if (Math.abs(nl) < 1_000_000) return `${(nl / 1_000).toFixed(1)} µL`;
  return `${(nl / 1_000_000).toFixed(3)} mL`;
}

export function rate(nlPerDay: number): string {
  return `${(nlPerDay / 1_000_000).toFixed(3)} mL/day`;
}

/** A time of day (ms after midnight) as hh:mm, the pump's clock. */
export function clockTime(todMs: number): string {
  const min = Math.floor((((todMs % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export interface Paint {
  readonly alarm: (t: string) => string;
  readonly warn: (t: string) => string;
  readonly dim: (t: string) => string;
  readonly good: (t: string) => string;
}

export function paint(colour: boolean): Paint {
  const c = (code: string) => (t: string) => (colour ? `\x1b[${code}m${t}\x1b[0m` : t);
  return { alarm: c('1;31'), warn: c('33'), dim: c('2'), good: c('32') };
}

/** Two columns, the names padded. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
