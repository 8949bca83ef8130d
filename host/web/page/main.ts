// The dashboard page: the layout, the WebSocket, and each server message to the view it
// updates. Stop is in the header, always visible and one click away; everything else is in
// panels that fall into one column in a narrow window.

import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { ServerMessage } from '../messages';
import { Charts } from './charts';
import { Connection } from './connection';
import { h } from './dom';
import { actionsPanel, programPanel, say } from './forms';
import { AlarmView, EventView, StatusView } from './status-view';
import { accuracyPanel, historyPanel, virtualPanel } from './tables';

/** What the end-to-end tests and the benchmark read: when each event was painted (epoch ms). */
interface Probe {
  painted: { seq: number; type: string; atMs: number }[];
  charts: Charts;
  /** Status messages received: a test waits for a few more to see that something did not change. */
  statuses: number;
}
declare global {
  interface Window {
    dashboard?: Probe;
  }
}

const status = new StatusView();
const alarms = new AlarmView();
const events = new EventView();
const link = h('p', { id: 'link', class: 'link', role: 'status', text: 'connecting…' });
const stopOut = h('output', { id: 'stop-result', class: 'result', role: 'status', 'aria-live': 'assertive' });
const stop = h('button', { type: 'button', id: 'stop', class: 'stop', text: 'STOP', 'aria-describedby': 'stop-help' });
const resume = h('button', { type: 'button', id: 'resume', text: 'Resume' });
const chartBox = h('div', { class: 'charts' });
const charts = new Charts(chartBox);
const extra = h('div', { class: 'extra' });
let virtual: ReturnType<typeof virtualPanel> | undefined;
window.dashboard = { painted: [], charts, statuses: 0 };

const conn = new Connection(onMessage, (open) => {
  link.textContent = open ? 'connected to the dashboard server' : 'not connected to the dashboard server: retrying…';
  link.className = `link ${open ? 'ok' : 'err'}`;
});
const ask = conn.request.bind(conn);
stop.addEventListener('click', async () => say(stopOut, await ask({ action: 'stop' })));
resume.addEventListener('click', async () => say(stopOut, await ask({ action: 'resume' })));
alarms.onAck = async (code) => say(stopOut, await ask({ action: 'ack', alarm: `A${code}` }));

document.body.append(
  h('a', { href: '#main', class: 'skip', text: 'Skip to the dashboard' }),
  h(
    'header',
    { class: 'top' },
    h('h1', { text: 'Syringe pump bench rig' }),
    h('p', { class: 'warning', text: 'A bench and teaching rig, never a medical device.' }),
    h('div', { class: 'stopbar' }, stop, resume, h('span', { id: 'stop-help', class: 'help', text: 'Stop pauses delivery at once; it needs no key.' }), stopOut),
    link,
  ),
  h(
    'main',
    { id: 'main', class: 'grid', tabindex: -1 },
    alarms.el,
    status.el,
    h(
      'section',
      { class: 'panel wide', 'aria-labelledby': 'charts-h' },
      h('h2', { id: 'charts-h', text: 'Charts' }),
      h('p', { class: 'help', text: 'Grey bands: delivery paused or stopped. Red bands: an alarm was active. Drag across a chart to zoom; double-click to zoom out.' }),
      chartBox,
    ),
    actionsPanel(ask),
    programPanel(ask),
    events.el,
    extra,
    historyPanel(ask),
    accuracyPanel(ask),
  ),
);

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      charts.reset(m.samples);
      for (const e of m.events) events.add(e);
      virtual = m.virtual ? virtualPanel(ask, m.virtual) : undefined;
      extra.replaceChildren(...(virtual ? [virtual.el] : []));
      document.title = `Pump dashboard: ${m.port}`;
      return;
    case 'status':
      window.dashboard!.statuses++;
      status.show(m.status);
      alarms.show(m.status.alarms);
      if (m.samples.length) charts.push(m.samples);
      return;
    case 'event': {
      events.add(m.event);
      const seq = m.event.seq;
      const type = m.event.type;
      // After the frame that shows it: the time a person could first see it.
      requestAnimationFrame(() => setTimeout(() => window.dashboard!.painted.push({ seq, type, atMs: performance.timeOrigin + performance.now() }), 0));
      return;
    }
    case 'virtual':
      virtual?.update(m.virtual);
      return;
    case 'reply':
      return;
  }
}
