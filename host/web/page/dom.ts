// Small DOM helpers for the dashboard page: elements built from code (no HTML strings, so no
// text from the pump or a file can ever become markup), and number formats as pumpctl's.

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids) el.append(kid);
  return el;
}

/** A labelled input: the label's `for` names the input, so screen readers read them together. */
export function field(id: string, label: string, attrs: Attrs = {}): { wrap: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { id, name: id, ...attrs });
  return { wrap: h('div', { class: 'field' }, h('label', { for: id, text: label }), input), input };
}

/** Volumes from nanolitres, as pumpctl prints them. */
export function ml(nl: number): string {
  if (Math.abs(nl) < 1_000_000) return `${(nl / 1_000).toFixed(1)} µL`;
  return `${(nl / 1_000_000).toFixed(3)} mL`;
}

export function rate(nlPerDay: number): string {
  return `${(nlPerDay / 1_000_000).toFixed(3)} mL/day`;
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'none';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Board time since boot as h:mm:ss. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  return `${hh}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
