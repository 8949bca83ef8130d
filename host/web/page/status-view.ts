// The status panel, the syringe picture, the alarm list (announced to screen readers as it
// changes) and the recent events.

import type { AlarmInfo, EventInfo, PumpStatus } from '../messages';
import { clock, duration, h, ml, rate } from './dom';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export class StatusView {
  readonly el: HTMLElement;
  readonly #rows = new Map<string, HTMLElement>();
  readonly #syringe: SVGElement;
  readonly #fluid: SVGElement;
  readonly #plunger: SVGElement;
  readonly #syringeText: HTMLElement;

  constructor() {
    const dl = h('dl', { class: 'status' });
    for (const [key, label] of [
      ['state', 'State'],
      ['drug', 'Drug'],
      ['mode', 'Prescription'],
      ['rate', 'Rate now'],
      ['next', 'Next change'],
      ['nextBasal', 'Next basal rate'],
      ['today', 'Delivered today'],
      ['delivered', 'Delivered'],
      ['reservoir', 'Reservoir'],
      ['empty', 'Projected empty'],
      ['battery', 'Battery'],
      ['time', 'Board time'],
    ] as const) {
      const dd = h('dd', { 'data-key': key, text: '…' });
      this.#rows.set(key, dd);
      dl.append(h('dt', { text: label }), dd);
    }
    this.#syringe = svg('svg', { viewBox: '0 0 300 70', width: '100%', height: 70, role: 'img', 'aria-labelledby': 'syringe-text' });
    this.#fluid = svg('rect', { x: 22, y: 17, width: 0, height: 36, fill: '#7fb3d5' });
    this.#plunger = svg('g', {});
    this.#syringe.append(
      svg('rect', { x: 20, y: 15, width: 240, height: 40, rx: 4, fill: '#f4f8fb', stroke: '#333', 'stroke-width': 2 }),
      this.#fluid,
      svg('rect', { x: 260, y: 30, width: 30, height: 10, fill: '#555' }),
      this.#plunger,
    );
    this.#plunger.append(
      svg('rect', { x: 0, y: 12, width: 8, height: 46, fill: '#222' }),
      svg('rect', { x: -300, y: 31, width: 300, height: 8, fill: '#666' }),
      svg('rect', { x: -304, y: 14, width: 6, height: 42, fill: '#222' }),
    );
    this.#syringeText = h('p', { id: 'syringe-text', class: 'syringe-text', text: 'Syringe' });
    this.el = h(
      'section',
      { 'aria-labelledby': 'status-h', class: 'panel' },
      h('h2', { id: 'status-h', text: 'Status' }),
      dl,
      h('figure', { class: 'syringe' }, this.#syringe as unknown as Node, this.#syringeText),
    );
  }

  #set(key: string, text: string, cls?: string): void {
    const dd = this.#rows.get(key)!;
    dd.textContent = text;
    dd.className = cls ?? '';
  }

  show(s: PumpStatus): void {
    this.#set('state', s.connected ? s.state : `not connected: ${s.problem ?? ''}`, `state-${s.connected ? s.state : 'lost'}`);
    this.#set('drug', s.rx ? `${s.rx.drug} at ${s.rx.conc} µg/mL` : 'none');
    this.#set('mode', s.rx ? `${s.rx.name} (${s.rx.mode})` : 'none');
    this.#set('rate', rate(s.rateNlPerDay));
    this.#set('next', s.nextChangeInMs === null ? 'none scheduled' : `in ${duration(s.nextChangeInMs)}`);
    this.#set('nextBasal', s.nextBasal);
    this.#set('today', ml(s.todayNl));
    this.#set('delivered', ml(s.deliveredNl));
    this.#set('reservoir', s.capacityNl ? `${ml(s.reservoirNl)} of ${ml(s.capacityNl)}` : ml(s.reservoirNl));
    this.#set('empty', s.emptyInMs === null ? 'not while nothing runs' : `in ${duration(s.emptyInMs)} at the most the prescription allows`);
    // pumpctl info's words.
    this.#set('battery', s.batteryPct === null ? '…' : `${s.batteryPct}%${s.batteryEriMs === null ? '' : `, replacement indicator in ${duration(s.batteryEriMs)}`}`);
    this.#set('time', clock(s.nowMs));
    const frac = s.capacityNl > 0 ? Math.max(0, Math.min(1, s.reservoirNl / s.capacityNl)) : 0;
    // The plunger pushes from the right: the fluid is what is left between it and the outlet on the left.
    const w = Math.round(236 * frac);
    this.#fluid.setAttribute('width', String(w));
    this.#plunger.setAttribute('transform', `translate(${22 + w}, 0)`);
    this.#syringeText.textContent = `Syringe: ${ml(s.reservoirNl)} left${s.capacityNl ? ` of ${ml(s.capacityNl)} (${Math.round(frac * 100)}%)` : ''}`;
  }
}

export class AlarmView {
  readonly el: HTMLElement;
  readonly #list: HTMLElement;
  /** aria-live assertive: a screen reader says a new alarm at once. */
  readonly #announce: HTMLElement;
  #shown = '';
  #known = new Set<string>();
  onAck: ((code: number) => void) | undefined;

  constructor() {
    this.#list = h('ul', { class: 'alarms', 'aria-label': 'Active alarms' });
    this.#announce = h('p', { id: 'alarm-announce', class: 'announce', role: 'alert', 'aria-live': 'assertive', 'aria-atomic': 'true' });
    this.el = h('section', { class: 'panel alarms-panel', 'aria-labelledby': 'alarms-h' }, h('h2', { id: 'alarms-h', text: 'Alarms' }), this.#announce, this.#list);
  }

  show(alarms: readonly AlarmInfo[]): void {
    const key = alarms.map((a) => `${a.code}:${a.acknowledged}`).join(',');
    if (key === this.#shown) return;
    this.#shown = key;
    const fresh = alarms.filter((a) => !this.#known.has(`${a.code}`));
    this.#known = new Set(alarms.map((a) => `${a.code}`));
    if (fresh.length) this.#announce.textContent = `Alarm: ${fresh.map((a) => `A${a.code} ${a.name}, ${a.priority} priority`).join('; ')}`;
    else if (alarms.length === 0) this.#announce.textContent = '';
    this.#list.replaceChildren(
      ...(alarms.length === 0
        ? [h('li', { class: 'none', text: 'No active alarms' })]
        : alarms.map((a) => {
            const ack = h('button', { type: 'button', class: 'small', text: a.acknowledged ? 'Acknowledged' : `Acknowledge A${a.code}`, disabled: a.acknowledged });
            ack.addEventListener('click', () => this.onAck?.(a.code));
            return h(
              'li',
              { class: `alarm prio-${a.priority}`, 'data-code': a.code },
              h('strong', { text: `A${a.code} ${a.name}` }),
              ` ${a.priority} priority${a.acknowledged ? ', acknowledged' : ''} `,
              ack,
            );
          })),
    );
  }
}

export class EventView {
  readonly el: HTMLElement;
  readonly #list: HTMLOListElement;

  constructor() {
    this.#list = h('ol', { class: 'events', 'aria-label': 'Recent events, newest first', reversed: true });
    this.el = h('section', { class: 'panel', 'aria-labelledby': 'events-h' }, h('h2', { id: 'events-h', text: 'Recent events' }), this.#list);
  }

  add(e: EventInfo): HTMLElement {
    const fields = Object.entries(e.fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const li = h(
      'li',
      { class: `event ev-${e.type}`, 'data-seq': e.seq, 'data-type': e.type },
      h('span', { class: 'when', text: clock(e.at) }),
      ` ${e.type} `,
      h('span', { class: 'reason', text: e.reason }),
      fields ? ` ${fields}` : '',
    );
    this.#list.prepend(li);
    while (this.#list.children.length > 60) this.#list.lastElementChild!.remove();
    return li;
  }
}
