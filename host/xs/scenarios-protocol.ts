// Node/XS parity scenarios, the link: the programming protocol, the terminal, NE-1000 and the
// AUTH lockout. See scenarios.ts.

import { createLinkedPump, exampleKey } from '../protocol/virtual-link';
import { MockFlash } from '../storage/flash-mock';
import { MockKeyValueStore } from '../storage/kv-mock';
import { withCrc } from '../../firmware/protocol/frame';
import { ControllerDelivery, NE1000_LOADED } from '../../firmware/protocol/ne1000/delivery';
import { Ne1000Machine } from '../../firmware/protocol/ne1000/machine';
import { safePacket, textBytes } from '../../firmware/protocol/ne1000/packets';
import { defaultSettings } from '../../firmware/protocol/ne1000/settings';
import type { Stream, Scenario } from './scenario-kit';
import { S, MIN, HOUR, RIG_10, PATIENT, WATER, continuous, baclofen, eventRow, Recorder, PROTOCOL_ROUND, PROTOCOL_COMMANDS, finalRow, loggedIn } from './scenario-kit';

export const PROTOCOL_SCENARIOS: Readonly<Record<string, Scenario>> = {
  /** The protocol's setup: HELLO and AUTH (HMAC-SHA256 on both sides of the exchange). */
  'protocol-login'(_create, lib) {
    const { client, rows, lp } = loggedIn(lib);
    rows.push([lp.vp.nowMs, 'reply', 'VERSION', client.query('VERSION').line]);
    rows.push([lp.vp.nowMs, 'reply', 'STATUS', client.query('STATUS').line]);
    return finalRow(lp, rows);
  },

  /** NEXT on a flexible schedule switched on at 22:00: the next step, then midnight's. */
  'next-basal-query'(_create, lib) {
    const schedule = [
      { startMs: 0, rateNlPerDay: 6_000_000 },
      { startMs: 6 * HOUR, rateNlPerDay: 1_500_000 },
      { startMs: 23 * HOUR + 30 * MIN, rateNlPerDay: 12_000_000 },
    ];
    const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, timeOfDayMs: 22 * HOUR, prescription: { name: 'flex', drug: WATER, mode: 'flexible', schedule } });
    const client = lp.client();
    const rows: Stream = [[lp.vp.nowMs, 'reply', 'NEXT', client.query('NEXT').line]];
    lp.vp.runFor(HOUR + 45 * MIN);
    rows.push([lp.vp.nowMs, 'reply', 'NEXT', client.query('NEXT').line]);
    // The rate changes the replies foretold, as the firmware published them.
    for (const e of lp.vp.events) if (e.type === 'rate') rows.push(eventRow(e));
    return finalRow(lp, rows);
  },

  /** The setup and 50 signed commands: every reply line, CRC and MAC included, must match. */
  'protocol-commands'(_create, lib) {
    const { client, rows, lp } = loggedIn(lib);
    for (let i = 0; i < PROTOCOL_COMMANDS; i++) {
      const [name, ...args] = PROTOCOL_ROUND[i % PROTOCOL_ROUND.length]!;
      rows.push([lp.vp.nowMs, 'reply', name, client.send(name, ...args).line]);
    }
    rows.push([lp.vp.nowMs, 'reply', 'STATUS', client.query('STATUS').line]);
    return finalRow(lp, rows);
  },

  /**
   * What pumpctl reads and stores: INFO, the running prescription by RXDATA, the whole flash
   * log by LOG pages after five hours, and a CAL while paused. Every line (CRCs, the log's
   * record encoding on flash, the calibration arithmetic) must match.
   */
  'protocol-history'(_create, lib) {
    const lp = createLinkedPump({
      mechanics: RIG_10,
      library: lib.library,
      reservoirNl: 10_000_000,
      prescription: continuous(1_000_000, { patientBolus: PATIENT }),
      storage: new MockKeyValueStore(),
      flash: new MockFlash(),
    });
    lp.vp.runFor(5 * HOUR);
    const client = lp.client();
    const rows: Stream = [];
    const reply = (name: string, line: string): void => void rows.push([lp.vp.nowMs, 'reply', name, line]);
    reply('INFO', client.query('INFO').line);
    for (let off = 0; ; ) {
      const r = client.query('RXDATA', off);
      reply('RXDATA', r.line);
      if (!r.ok || r.fields['data'] === '-') break;
      off = Math.min(off + 48, Number(r.fields['bytes']));
    }
    for (let from = 0, pages = 0; pages < 20; pages++) {
      const before = client.received.length;
      const r = client.query('LOG', from, 7);
      for (const l of client.received.slice(before)) reply('LOG', l);
      if (!r.ok || r.fields['n'] === '0') break;
      from = Number(r.fields['next']);
    }
    reply('AUTH', client.login('service', exampleKey('service')).line);
    reply('PAUSE', client.send('PAUSE').line);
    reply('CAL', client.send('CAL', 100_000, 98_700).line);
    reply('INFO', client.query('INFO').line);
    return finalRow(lp, rows);
  },

  /**
   * Issue 14, holes 3 and 6: a framed STOP behind bursts the old line ring lost it behind
   * (short lines, NUL lines, queries, junk, all in one write), answered first; then a cached
   * reply offered after its session expired, refused with ERR 508.
   */
  'stop-behind-burst'(_create, lib) {
    const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000) });
    const rows: Stream = [];
    const receive = (name: string, text: string): void => {
      const before = lp.written.length;
      lp.link.receive(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));
      for (const l of lp.written.slice(before, before + 4)) rows.push([lp.vp.nowMs, 'reply', name, l]);
      rows.push([lp.vp.nowMs, 'lines', name, lp.written.length - before]);
    };
    lp.vp.runFor(MIN);
    let junk = '';
    for (let i = 0; i < 3_000; i++) junk += String.fromCharCode((i * 151 + 7) & 0xff);
    receive('short', `${'X\n'.repeat(300)}${withCrc('11 STOP')}\n`);
    lp.vp.controller.resume();
    receive('nul', `${'\0\n'.repeat(2_000)}${withCrc('12 STOP')}\n`);
    lp.vp.controller.resume();
    receive('status', `${'STATUS\n'.repeat(80)}\n${junk}\n${withCrc('13 STOP')}\n`);
    const client = lp.client();
    rows.push([lp.vp.nowMs, 'reply', 'AUTH', client.login('clinician', exampleKey('clinician')).line]);
    const resume = client.send('RESUME');
    rows.push([lp.vp.nowMs, 'reply', 'RESUME', resume.line]);
    lp.vp.runFor(6 * MIN);
    rows.push([lp.vp.nowMs, 'reply', 'RESUME-again', client.raw(resume.frame).line]);
    return finalRow(lp, rows);
  },

  /**
   * Issue 16, part 1: what terminals send (CR, CRLF, LF, lower case, backspace, DEL, trailing
   * spaces, empty lines), each answered once with the reply a person expects.
   */
  'terminal-lines'(_create, lib) {
    const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000) });
    const rows: Stream = [];
    lp.vp.runFor(MIN);
    for (const keys of ['STATUS\r', 'version\r\n', 'Rx \n', 'ALARMX\x08S\r', 'HELPP\x7f\r', '\r\r\n', 'events 1\r']) {
      const before = lp.written.length;
      lp.link.receive(Uint8Array.from(keys, (c) => c.charCodeAt(0)));
      rows.push([lp.vp.nowMs, 'typed', keys, lp.written.slice(before).join('|')]);
    }
    return finalRow(lp, rows);
  },

  /**
   * Issue 14, item 2, through the protocol: 100 ug/day ran, then rate 0; ten times that from
   * zero is refused without big=1 (E124), and runs with it.
   */
  'start-from-zero-refused'(_create, lib) {
    const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: baclofen(500, 200_000) });
    lp.vp.runFor(30 * MIN);
    const client = lp.client();
    const rows: Stream = [[lp.vp.nowMs, 'reply', 'AUTH', client.login('clinician', exampleKey('clinician')).line]];
    const reply = (name: string, line: string): void => void rows.push([lp.vp.nowMs, 'reply', name, line]);
    reply('zero', client.program(baclofen(500, 0)).line);
    reply('ten-fold', client.program(baclofen(500, 2_000_000), ['soft=1']).line);
    reply('ten-fold-big', client.program(baclofen(500, 2_000_000), ['soft=1', 'big=1']).line);
    lp.vp.runFor(10 * MIN);
    reply('STATUS', client.query('STATUS').line);
    return finalRow(lp, rows);
  },

  /**
   * The NE-1000 mode (docs/ne1000.md): a 50 uL dispense at 0.5 mL/min, a STP/RUN pause, safe
   * mode with a bad CRC and its timeout (A?T), then an occlusion during a continuous run
   * (A?S) and RUN refused. Replies as hex, so CRC bytes compare exactly.
   */
  'ne1000-dispense-alarms'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: NE1000_LOADED, faults: ['occlusion@30m'] });
    const rec = new Recorder(vp);
    const delivery = new ControllerDelivery(vp.controller);
    delivery.stop();
    const ne = new Ne1000Machine({ delivery, settings: defaultSettings(14_427), version: 'NE1000V0.1' }, vp.controller.now());
    const send = (name: string, bytes: Uint8Array): void => {
      rec.flush();
      ne.receive(bytes, vp.controller.now());
      const hex = ne
        .take()
        .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''))
        .join(' ');
      rec.rows.push([vp.nowMs, 'ne', name, hex]);
      rec.flush();
    };
    const basic = (cmd: string): void => send(cmd, textBytes(`${cmd}\r`));
    for (const cmd of ['VER', 'DIA', 'RAT 0.5 MM', 'VOL UL', 'VOL 50', 'RUN']) basic(cmd);
    rec.run(2 * S);
    basic('STP');
    rec.run(5 * S);
    basic('RUN');
    rec.run(10 * S);
    for (const cmd of ['', 'DIS', 'DIR WDR', 'FOO']) basic(cmd);
    send('SAF 3', safePacket('SAF3'));
    const bad = safePacket('VER');
    bad[3] = bad[3]! ^ 1;
    send('bad CRC', bad);
    for (const cmd of ['RAT 1 MH', 'VOL 0', 'RUN']) basic(cmd);
    rec.run(4 * S);
    ne.tick(vp.controller.now());
    send('status', safePacket(''));
    send('SAF 0', safePacket('SAF0'));
    basic('RUN');
    rec.run(40 * MIN);
    for (const cmd of ['', '', 'RUN', 'DIS']) basic(cmd);
    return rec.finish();
  },

  /**
   * Issue 14, item 5: AUTH failed until its lock is 10 min, the board rebooted from the same
   * NVS: a bad AUTH right after the restart still answers 511, STATUS shows the lock, and the
   * right key works once it is over.
   */
  'auth-lock-across-reboot'(_create, lib) {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000), storage: kv };
    const wrong = new Uint8Array(32).fill(0x5a);
    const first = createLinkedPump(options);
    const rows: Stream = [];
    const c1 = first.client();
    for (const waitS of [0, 0, 10, 20, 40, 80, 160, 320, 0]) {
      rows.push([first.vp.nowMs, 'reply', 'AUTH', c1.login('clinician', wrong).line]);
      first.vp.runFor(waitS * S);
    }
    const lp = createLinkedPump(options);
    const c2 = lp.client();
    rows.push([lp.vp.nowMs, 'reply', 'AUTH', c2.login('clinician', wrong).line]);
    rows.push([lp.vp.nowMs, 'reply', 'STATUS', c2.query('STATUS').line]);
    lp.vp.runFor(10 * MIN);
    rows.push([lp.vp.nowMs, 'reply', 'AUTH', c2.login('clinician', exampleKey('clinician')).line]);
    rows.push([lp.vp.nowMs, 'reply', 'ACK', c2.send('ACK').line]);
    lp.vp.runFor(10 * MIN);
    rows.push([lp.vp.nowMs, 'reply', 'STATUS', c2.query('STATUS').line]);
    for (const e of lp.vp.events) if (e.type === 'security') rows.push(eventRow(e));
    return finalRow(lp, rows);
  },
};
