// The panels that ask the pump for something: delivery actions, programming (file or form,
// with the diff, the pump's warnings and the ten-fold confirmation), refill. Each answer,
// the pump's own words, lands in the panel's output, which screen readers read out politely.

import type { CheckResult, PageRequest } from '../messages';
import type { Answer } from './connection';
import { field, h } from './dom';

export type Ask = (r: PageRequest) => Promise<Answer>;

function output(id: string): HTMLOutputElement {
  return h('output', { id, class: 'result', role: 'status', 'aria-live': 'polite' });
}

export function say(out: HTMLElement, a: Answer): void {
  out.textContent = a.text;
  out.className = `result ${a.ok ? 'ok' : 'err'}`;
}

function form(label: string, ...kids: Node[]): HTMLFormElement {
  const f = h('form', { 'aria-label': label });
  f.append(...kids);
  return f;
}

export function actionsPanel(ask: Ask): HTMLElement {
  const out = output('actions-result');
  const run = (r: PageRequest) => async () => say(out, await ask(r));
  const bolus = h('button', { type: 'button', id: 'bolus', text: 'Patient bolus' });
  bolus.addEventListener('click', run({ action: 'bolus' }));
  const ackAll = h('button', { type: 'button', id: 'ack-all', text: 'Acknowledge all alarms' });
  ackAll.addEventListener('click', run({ action: 'ack' }));
  const v = field('cb-volume', 'Volume (µL)', { inputmode: 'decimal', required: true, autocomplete: 'off' });
  const d = field('cb-minutes', 'Duration (min)', { inputmode: 'decimal', value: '10' });
  const dl = field('cb-delay', 'Delay (min)', { inputmode: 'decimal', value: '0' });
  const cb = form('Clinician bolus', h('h3', { text: 'Clinician bolus' }), v.wrap, d.wrap, dl.wrap, h('button', { type: 'submit', text: 'Give clinician bolus' }));
  cb.addEventListener('submit', (e) => {
    e.preventDefault();
    void run({ action: 'cbolus', volumeUl: v.input.value, minutes: d.input.value, delayMin: dl.input.value })();
  });
  const rm = field('rf-removed', 'Removed (mL)', { inputmode: 'decimal', required: true });
  const ad = field('rf-added', 'Added (mL)', { inputmode: 'decimal', required: true });
  const cc = field('rf-conc', 'Concentration (µg/mL)', { inputmode: 'numeric', required: true });
  const dr = field('rf-drug', 'Drug (default: the same)', { autocomplete: 'off' });
  // pumpctl refill's order: the residual is drawn out first, then the syringe holds what was put in.
  const rfHelp = h('p', { id: 'rf-help', class: 'help', text: 'Removed: the residual drawn out. Added: the volume put in, which the syringe then holds.' });
  rm.input.setAttribute('aria-describedby', 'rf-help');
  ad.input.setAttribute('aria-describedby', 'rf-help');
  const rf = form('Refill', h('h3', { text: 'Refill' }), rfHelp, rm.wrap, ad.wrap, cc.wrap, dr.wrap, h('button', { type: 'submit', text: 'Record refill' }));
  rf.addEventListener('submit', (e) => {
    e.preventDefault();
    void run({ action: 'refill', removedMl: rm.input.value, addedMl: ad.input.value, conc: cc.input.value, ...(dr.input.value.trim() && { drug: dr.input.value }) })();
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h', text: 'Actions' }), h('div', { class: 'buttons' }, bolus, ackAll), out, cb, rf);
}

/** A continuous prescription from the form's fields (files carry everything else). */
function formPrescription(name: string, drug: string, conc: string, mlPerDay: string): string {
  const rateNlPerDay = Math.round(Number(mlPerDay) * 1e6);
  return JSON.stringify({ name, drug: { name: drug, concentrationUgPerMl: Number(conc) }, mode: 'continuous', rateNlPerDay: Number.isFinite(rateNlPerDay) ? rateNlPerDay : mlPerDay });
}

export function programPanel(ask: Ask): HTMLElement {
  const out = output('program-result');
  const review = h('div', { id: 'program-review' });
  const file = h('input', { type: 'file', id: 'rx-file', accept: '.json,.yaml,.yml,application/json' });
  const fromFile = form('Program from a file', h('label', { for: 'rx-file', text: 'Prescription file (JSON or YAML)' }), file, h('button', { type: 'submit', text: 'Check file' }));
  const n = field('rx-name', 'Name', { value: 'bench-continuous', autocomplete: 'off' });
  const dg = field('rx-drug', 'Drug (library name)', { value: 'water-bench', autocomplete: 'off' });
  const cc = field('rx-conc', 'Concentration (µg/mL)', { value: '1000000', inputmode: 'numeric' });
  const rt = field('rx-rate', 'Rate (mL/day)', { value: '1', inputmode: 'decimal' });
  const fromForm = form('Program a continuous rate', h('h3', { text: 'Or a continuous rate' }), n.wrap, dg.wrap, cc.wrap, rt.wrap, h('button', { type: 'submit', text: 'Check' }));

  const check = async (fileName: string, text: string): Promise<void> => {
    review.replaceChildren();
    const a = await ask({ action: 'check', fileName, text });
    say(out, a);
    if (a.ok) showReview(a.data as CheckResult);
  };
  fromFile.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return say(out, { ok: false, text: 'choose a prescription file first' });
    void f.text().then((t) => check(f.name, t));
  });
  fromForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void check('form.json', formPrescription(n.input.value, dg.input.value, cc.input.value, rt.input.value));
  });

  const showReview = (c: CheckResult): void => {
    const rows = c.changes.map((ch) => h('tr', {}, h('th', { scope: 'row', text: ch.field }), h('td', { text: ch.from ?? '(none)' }), h('td', { text: ch.to ?? '(removed)' })));
    const table = c.changes.length
      ? h(
          'table',
          { class: 'diff' },
          h('caption', { text: c.running ? 'Changes from the running prescription' : 'No prescription is running; the new one' }),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Field' }), h('th', { scope: 'col', text: 'Running' }), h('th', { scope: 'col', text: 'New' }))),
          h('tbody', {}, ...rows),
        )
      : h('p', { text: '(no change from the running prescription)' });
    const warnings = h('ul', { class: 'warnings', 'aria-label': "The pump's warnings" }, ...c.warnings.map((w) => h('li', { text: `warning: ${w}` })));
    const soft = h('input', { type: 'checkbox', id: 'rx-soft' });
    const big = h('input', { type: 'checkbox', id: 'rx-big' });
    const bigRow = h('div', { class: 'field check', hidden: true }, big, h('label', { for: 'rx-big', text: 'I confirm an increase of ten times or more' }));
    const commit = h('button', { type: 'button', id: 'rx-commit', class: 'primary', text: `Commit "${c.name}" (CRC-32 ${c.crc32})` });
    const cancel = h('button', { type: 'button', text: 'Cancel' });
    commit.addEventListener('click', async () => {
      const a = await ask({ action: 'commit', crc32: c.crc32, soft: soft.checked, big: big.checked });
      say(out, a);
      if (a.ok) return review.replaceChildren();
      // The pump's own refusal says what it needs: E124 the ten-fold confirmation.
      if (/E124\b/.test(a.text)) {
        bigRow.hidden = false;
        big.focus();
      }
    });
    cancel.addEventListener('click', () => {
      review.replaceChildren();
      say(out, { ok: true, text: 'not committed: the running prescription is unchanged' });
    });
    review.replaceChildren(
      table,
      warnings,
      h('div', { class: 'field check' }, soft, h('label', { for: 'rx-soft', text: 'Override soft limits (the warnings above)' })),
      bigRow,
      h('div', { class: 'buttons' }, commit, cancel),
    );
  };
  return h('section', { class: 'panel', 'aria-labelledby': 'program-h' }, h('h2', { id: 'program-h', text: 'Program' }), fromFile, fromForm, out, review);
}
