// History (the pump's log with filters and a CSV download), the accuracy view of a run folder,
// and the virtual board's demonstration controls (faults, and the speed or the time buttons).

import type { AccuracyView, HistoryRow, VirtualInfo } from '../messages';
import type { Ask } from './forms';
import { say } from './forms';
import { field, h } from './dom';
import { paceText, SPEED_CHOICES } from '../pace';

export function historyPanel(ask: Ask): HTMLElement {
  const out = h('output', { id: 'history-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  const type = h('select', { id: 'hist-type' }, h('option', { value: '', text: 'all types' }));
  const text = field('hist-text', 'Contains', { autocomplete: 'off' });
  const load = h('button', { type: 'submit', id: 'hist-load', text: 'Show history' });
  const csv = h('button', { type: 'button', id: 'hist-csv', text: 'Download CSV' });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'history' },
    h('caption', { text: 'History, newest last' }),
    h('thead', {}, h('tr', {}, ...['#', 'Time (s)', 'Type', 'Reason', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
    body,
  );
  const f = h('form', { 'aria-label': 'History filters' }, h('div', { class: 'field' }, h('label', { for: 'hist-type', text: 'Type' }), type), text.wrap, h('div', { class: 'buttons' }, load, csv));
  const filters = () => ({ ...(type.value && { type: type.value }), ...(text.input.value.trim() && { text: text.input.value }) });
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(out, { ok: true, text: 'reading the history from the pump…' });
    const a = await ask({ action: 'history', ...filters() });
    say(out, a);
    if (!a.ok) return;
    const d = a.data as { rows: HistoryRow[]; types: string[] };
    const keep = type.value;
    type.replaceChildren(h('option', { value: '', text: 'all types' }), ...d.types.map((t) => h('option', { value: t, text: t })));
    type.value = keep;
    body.replaceChildren(...d.rows.map((r) => h('tr', {}, h('td', { text: r.seq }), h('td', { text: r.timeS }), h('td', { text: r.type }), h('td', { text: r.reason }), h('td', { text: r.details }))));
  });
  csv.addEventListener('click', async () => {
    const a = await ask({ action: 'csv', ...filters() });
    say(out, a);
    if (!a.ok) return;
    const url = URL.createObjectURL(new Blob([a.data as string], { type: 'text/csv' }));
    const link = h('a', { href: url, download: 'pump-history.csv' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the download has started
  });
  return h(
    'section',
    { class: 'panel wide', 'aria-labelledby': 'history-h' },
    h('h2', { id: 'history-h', text: 'History' }),
    f,
    out,
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'History table' }, table),
  );
}

export function accuracyPanel(ask: Ask): HTMLElement {
  const out = h('output', { id: 'accuracy-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  const folder = field('acc-folder', 'Run folder (as pumpctl accuracy wrote it)', { autocomplete: 'off', placeholder: 'runs/accuracy-…' });
  const view = h('div', { id: 'accuracy-view' });
  const f = h('form', { 'aria-label': 'Open an accuracy run' }, folder.wrap, h('button', { type: 'submit', text: 'Open run' }));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = await ask({ action: 'accuracy', folder: folder.input.value });
    say(out, a);
    if (!a.ok) return view.replaceChildren();
    const v = a.data as AccuracyView;
    const img = (svg: string | null, alt: string): Node =>
      svg ? h('img', { src: URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })), alt, class: 'run-chart' }) : h('p', { text: `${alt}: not in this run` });
    view.replaceChildren(
      h('p', { class: `verdict verdict-${v.overall}`, id: 'accuracy-verdict', text: `Verdict: ${v.overall} (${v.folder})` }),
      h(
        'table',
        {},
        h('caption', { text: 'Checks' }),
        h('tbody', {}, ...v.checks.map((c) => h('tr', {}, h('th', { scope: 'row', text: c.name }), h('td', { class: `verdict-${c.result}`, text: c.result }), h('td', { text: c.why })))),
      ),
      img(v.startupSvg, 'Start-up curve'),
      img(v.trumpetSvg, 'Trumpet curve'),
    );
  });
  return h('section', { class: 'panel wide', 'aria-labelledby': 'accuracy-h' }, h('h2', { id: 'accuracy-h', text: 'Accuracy run' }), f, out, view);
}

/** The virtual board's panel; update() shows a new speed (set from this page or another). */
export function virtualPanel(ask: Ask, first: VirtualInfo): { el: HTMLElement; update(v: VirtualInfo): void } {
  const out = h('output', { id: 'virtual-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  const faults = first.faults.map((f) => {
    const b = h('button', { type: 'button', 'data-fault': f.id, text: f.label });
    b.addEventListener('click', async () => say(out, await ask({ action: 'fault', fault: f.id })));
    return b;
  });
  const advance = first.manualClock
    ? ['1m', '10m', '1h'].map((d) => {
        const b = h('button', { type: 'button', 'data-advance': d, text: `Board time +${d}` });
        b.addEventListener('click', async () => say(out, await ask({ action: 'advance', duration: d })));
        return b;
      })
    : [];
  const about = h('p', { id: 'virtual-speed' });
  // The speed of a wall clock, for demonstrations: a day a second to watch a refill come due, still to explain a screen.
  const choose = h('select', { id: 'speed' });
  const speedForm = h(
    'form',
    { 'aria-label': 'Virtual board speed' },
    h('div', { class: 'field' }, h('label', { for: 'speed', text: 'Speed of board time' }), choose),
    h('button', { type: 'submit', id: 'speed-set', text: 'Set speed' }),
  );
  speedForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    say(out, await ask({ action: 'speed', speed: choose.value }));
  });
  const update = (v: VirtualInfo): void => {
    const pace = v.manualClock ? 'moves only with the buttons below (manual clock)' : v.speed === 0 ? 'standing still' : v.speed === 1 ? 'at real time' : `runs at ${paceText(v.speed)}`;
    about.textContent = `Firmware on the ${v.engine} engine; board time ${pace}.`;
    const speeds = [...new Set<number>([...SPEED_CHOICES, v.speed])].sort((a, b) => a - b);
    choose.replaceChildren(...speeds.map((n) => h('option', { value: n, text: n === 0 ? 'standing still (x0)' : n === 1 ? 'real time (x1)' : paceText(n) })));
    choose.value = String(v.speed);
  };
  update(first);
  return {
    el: h(
      'section',
      { class: 'panel', 'aria-labelledby': 'virtual-h' },
      h('h2', { id: 'virtual-h', text: 'Virtual board' }),
      about,
      faults.length ? h('div', { class: 'buttons', role: 'group', 'aria-label': 'Faults on the virtual rig' }, ...faults) : h('p', { text: 'Fault buttons need the Node engine.' }),
      first.speedSettable ? speedForm : '',
      advance.length ? h('div', { class: 'buttons', role: 'group', 'aria-label': 'Board time' }, ...advance) : '',
      out,
    ),
    update,
  };
}
