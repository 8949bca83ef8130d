// Scenarios shared by Node and XS (host-tests/xs-parity.test.ts). Each one drives a virtual
// pump with the virtual clock only and returns a compact, JSON-serialisable stream: every
// event the firmware published, each command's answer, and the rig's final position. The same
// function runs on Node (imported directly) and inside the XS engine of @agoric/xsnap's
// worker (bundled by host/xs/bundle.ts), and the two streams must be identical.
//
// No Node imports and nothing from the host's own clock: no Date, no Math.random, no timers.
// Noise comes from the rig's seeded PRNG. A later capability adds its scenarios here.

import { type PumpEvent } from '../../firmware/core/events';
import { type createVirtualPump as CreateVirtualPump, type VirtualPump } from '../sim/virtual-pump';
import { type ProtocolClient } from '../protocol/client';
import { createLinkedPump, exampleKey, type LinkedPump } from '../protocol/virtual-link';
import { runawayDriver } from '../sim/broken-driver';
import { MockFlash } from '../storage/flash-mock';
import { MockKeyValueStore } from '../storage/kv-mock';
import { withCrc } from '../../firmware/protocol/frame';
import { ControllerDelivery, NE1000_LOADED } from '../../firmware/protocol/ne1000/delivery';
import { Ne1000Machine } from '../../firmware/protocol/ne1000/machine';
import { safePacket, textBytes } from '../../firmware/protocol/ne1000/packets';
import { defaultSettings } from '../../firmware/protocol/ne1000/settings';

/** What a scenario needs besides the pump factory (passed in so both engines share one copy). */
export interface ScenarioLib {
  /** The drug library (firmware/app/examples/library.example.json). */
  readonly library: unknown;
}

/** A scalar a stream row may hold. */
export type StreamValue = number | string | boolean | null;
/** `at`, a tag, then data: see `eventRow`, `commandRow` and `finalRow`. */
export type StreamRow = readonly (StreamValue | Readonly<Record<string, StreamValue>>)[];
export type Stream = StreamRow[];

export type Scenario = (createVirtualPump: typeof CreateVirtualPump, lib: ScenarioLib) => Stream;

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const RIG_30 = { syringe: 'bd-30ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const RIG_10 = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };
const PATIENT = { volumeNl: 50_000, durationMs: 600_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 150_000 };

function continuous(rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'parity', drug: WATER, mode: 'continuous', rateNlPerDay, ...extra };
}

const BAC_BOLUS = { volumeNl: 10_000, durationMs: 300_000, lockoutMs: 3_600_000, maxPer24h: 4, maxVolumeNlPer24h: 40_000 };

function baclofen(concentrationUgPerMl: number, rateNlPerDay: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `bac-${concentrationUgPerMl}`, drug: { name: 'baclofen', concentrationUgPerMl }, mode: 'continuous', rateNlPerDay, ...extra };
}

/** [at, type, reason code, reason text, data]: the whole event. */
function eventRow(e: PumpEvent): StreamRow {
  return [e.at, e.type, e.reason.code, e.reason.text, { ...e.data }];
}

/** [at, 'cmd', name, ok, error code or null]: the firmware's answer to a command. */
function commandRow(vp: VirtualPump, name: string, r: { ok: true } | { ok: false; error: { code: number } }): StreamRow {
  return [vp.nowMs, 'cmd', name, r.ok, r.ok ? null : r.error.code];
}

/** The stream: events in time order with the command answers where they fell. */
class Recorder {
  readonly rows: Stream = [];
  private seen = 0;
  constructor(readonly vp: VirtualPump) {}
  /** Moves the events published since the last call into the stream. */
  flush(): void {
    const events = this.vp.events;
    for (; this.seen < events.length; this.seen++) this.rows.push(eventRow(events[this.seen]!));
  }
  run(ms: number): void {
    this.vp.runFor(ms);
    this.flush();
  }
  command(name: string, r: { ok: true } | { ok: false; error: { code: number } }): void {
    this.flush();
    this.rows.push(commandRow(this.vp, name, r));
    this.flush();
  }
  /** Ends the stream with [at, 'final', rig position (microsteps), delivered nl, state]. */
  finish(): Stream {
    this.flush();
    const s = this.vp.controller.status();
    this.rows.push([this.vp.nowMs, 'final', this.vp.rig.position, s.deliveredNl, s.state]);
    return this.rows;
  }
}

/** Commands a clinician's programmer sends, each once per round (50 in all). */
const PROTOCOL_ROUND: readonly (readonly [string, ...(string | number)[]])[] = [
  ['LOWRES', 1_000_000],
  ['PAUSE'],
  ['RESUME'],
  ['CLOCK', 3_600_000],
  ['ACK'],
];
export const PROTOCOL_COMMANDS = 50;

/** Ends a protocol stream as the Recorder ends the others. */
function finalRow(lp: LinkedPump, rows: Stream): Stream {
  const st = lp.vp.controller.status();
  rows.push([lp.vp.nowMs, 'final', lp.vp.rig.position, st.deliveredNl, st.state]);
  return rows;
}

/** A linked pump with a clinician logged in: the protocol's setup, alone (the baseline). */
function loggedIn(lib: Parameters<Scenario>[1]): { lp: LinkedPump; client: ProtocolClient; rows: Stream } {
  const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000) });
  lp.vp.runFor(HOUR); // an hour of delivery first, so the commands act on a running pump
  const client = lp.client();
  const login = client.login('clinician', exampleKey('clinician'));
  return { lp, client, rows: [[lp.vp.nowMs, 'reply', 'AUTH', login.line]] };
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  /** 24 h at 1 mL/day, continuous. */
  'continuous-24h'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000), reservoirNl: 30_000_000 });
    const rec = new Recorder(vp);
    rec.run(DAY);
    return rec.finish();
  },

  /** A flexible schedule switched on at 22:00, across midnight and on into the next evening. */
  'flexible-across-midnight'(createVirtualPump, lib) {
    const schedule = [
      { startMs: 0, rateNlPerDay: 6_000_000 },
      { startMs: 6 * HOUR, rateNlPerDay: 1_500_000 },
      { startMs: 23 * HOUR + 30 * MIN, rateNlPerDay: 12_000_000 },
    ];
    const vp = createVirtualPump({
      mechanics: RIG_30,
      library: lib.library,
      timeOfDayMs: 22 * HOUR,
      prescription: { name: 'flex', drug: WATER, mode: 'flexible', schedule },
    });
    const rec = new Recorder(vp);
    rec.run(DAY + 2 * HOUR);
    return rec.finish();
  },

  /** A patient bolus, a refusal one millisecond before the lockout ends, then a second bolus. */
  'patient-bolus-lockout'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000, { patientBolus: PATIENT }) });
    const rec = new Recorder(vp);
    rec.run(10 * MIN);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(PATIENT.lockoutMs - 1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(2 * HOUR);
    return rec.finish();
  },

  /**
   * The same lockout with Time.ticks signed, as on the ESP32, starting 40 min before 2^31 ms:
   * the counter turns negative inside the lockout, which must still hold to the millisecond.
   */
  'patient-bolus-lockout-signed-2^31'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(1_000_000, { patientBolus: PATIENT }), startTick: 2 ** 31 - 40 * MIN, signedTicks: true });
    const rec = new Recorder(vp);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(PATIENT.lockoutMs - 1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(1);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(2 * HOUR);
    return rec.finish();
  },

  /** Pause for 30 min (missed time is not delivered), resume, and a bolus refused while paused. */
  'pause-resume'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_30, library: lib.library, prescription: continuous(2_400_000, { patientBolus: PATIENT }) });
    const rec = new Recorder(vp);
    rec.run(HOUR);
    rec.command('pause', vp.controller.pause());
    rec.run(10 * MIN);
    rec.command('patientBolus', vp.controller.patientBolus());
    rec.run(20 * MIN);
    rec.command('resume', vp.controller.resume());
    rec.run(HOUR);
    return rec.finish();
  },

  /** An occlusion at 1 h at 1 mL/h: alarm, safe state, back-off; then release and acknowledge. */
  'occlusion-alarm'(createVirtualPump, lib) {
    const vp = createVirtualPump({
      mechanics: RIG_10,
      library: lib.library,
      reservoirNl: 10_000_000,
      prescription: continuous(24_000_000),
      faults: ['occlusion@1h'],
    });
    const rec = new Recorder(vp);
    rec.run(HOUR + 10 * MIN);
    rec.command('patientBolus', vp.controller.patientBolus());
    vp.line.release(vp.nowMs);
    rec.run(5 * MIN);
    rec.command('acknowledge', vp.controller.acknowledge());
    rec.run(30 * MIN);
    return rec.finish();
  },

  /** The protocol's setup: HELLO and AUTH (HMAC-SHA256 on both sides of the exchange). */
  'protocol-login'(_create, lib) {
    const { client, rows, lp } = loggedIn(lib);
    rows.push([lp.vp.nowMs, 'reply', 'VERSION', client.query('VERSION').line]);
    rows.push([lp.vp.nowMs, 'reply', 'STATUS', client.query('STATUS').line]);
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
    const lp = createLinkedPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(1_000_000, { patientBolus: PATIENT }), storage: new MockKeyValueStore(), flash: new MockFlash() });
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
   * An occlusion five minutes after programming from paused (the line still settling): the
   * OCCLUSION verdict on recent flow, the back-off, then stopped, opened and acknowledged while
   * paused, where it must stay cleared.
   */
  'occlusion-after-start'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(24_000_000) });
    const rec = new Recorder(vp);
    rec.run(30 * MIN);
    rec.command('pause', vp.controller.pause());
    rec.run(30 * MIN);
    rec.command('program', vp.controller.program(continuous(24_000_000, { name: 'again' })));
    rec.run(5 * MIN);
    vp.line.occlude(vp.nowMs);
    rec.run(3 * MIN);
    rec.command('pause', vp.controller.pause());
    vp.line.release(vp.nowMs);
    rec.run(3 * MIN);
    rec.command('acknowledge', vp.controller.acknowledge());
    rec.run(10 * MIN);
    return rec.finish();
  },

  /**
   * A flow sensor stuck at 1 h at 1 mL/h with the line blocked, no load cell (issue 13, hole 4):
   * FLOW_SENSOR_FAULT, then LINE_UNWATCHED stops delivery after 25 uL; acknowledged while still
   * stuck it stays; the sensor reads again, the line is opened, and the acknowledgement resumes.
   */
  'stuck-sensor-unwatched'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(24_000_000), faults: ['sensor-stuck@1h', 'occlusion@1h'] });
    const rec = new Recorder(vp);
    rec.run(HOUR + 5 * MIN);
    rec.command('acknowledge', vp.controller.acknowledge());
    rec.run(5 * MIN);
    vp.flowModel.setStuck(false);
    vp.line.release(vp.nowMs);
    rec.run(5 * MIN);
    rec.command('acknowledge', vp.controller.acknowledge());
    rec.run(10 * MIN);
    return rec.finish();
  },

  /**
   * A disconnection downstream of the sensor at 1 h at 1 mL/h with the load cell fitted (issue 13,
   * hole 5): the plunger force's CUSUM below its working level raises UNDER_DELIVERY on both
   * engines at the same sample (Welford sums and a square root, no Math.exp).
   */
  'disconnect-pressure-drop'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(24_000_000), loadCell: true, faults: ['disconnect@1h'] });
    const rec = new Recorder(vp);
    rec.run(HOUR + 5 * MIN);
    return rec.finish();
  },

  /**
   * Fast delivery (about 185 steps/s, an LEDC segment per wake) for ten minutes on the late-
   * timer clock: every callback a tick late, random stalls, and a 60 ms stall over a stop timer
   * at 5 min, so a PWM run overruns its segment (issue 13, hole 2). Both engines must book the
   * same overrun; a 'booking' row before the final one gives the driver's booked count and the rig's.
   */
  'fast-late-stop'(createVirtualPump, lib) {
    const vp = createVirtualPump({
      mechanics: { ...RIG_30, leadUm: 250, microsteps: 256 },
      library: lib.library,
      reservoirNl: 30_000_000,
      prescription: continuous(28_800_000),
      lateTimers: { seed: 5, stalls: [{ atMs: 5 * MIN + 50, ms: 60 }] },
    });
    const rec = new Recorder(vp);
    rec.run(10 * MIN);
    rec.rows.push([vp.nowMs, 'booking', vp.stepper.position, vp.rig.pulsesCounted, vp.clock.lateness.maxLateMs]);
    return rec.finish();
  },

  /**
   * A 5 uL/min siphon at 1 h at 1 mL/h with the pinch valve fitted (issue 13, hole 5):
   * OVER_DELIVERY, the safe state closes the valve, and the line's figures an hour on ('line':
   * outlet, leaked and pinched fl, valve closed) must match to the femtolitre on both engines.
   */
  'free-flow-valve'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(24_000_000), faults: ['free-flow:5ul/min@1h'], valve: true });
    const rec = new Recorder(vp);
    rec.run(HOUR + 15 * MIN);
    rec.run(HOUR);
    rec.rows.push([vp.nowMs, 'line', vp.line.outletFl, vp.line.leakedFl, vp.line.pinchedFl, vp.line.valveClosed]);
    return rec.finish();
  },

  /**
   * The dose memory across a power cut (issue 13, hole 1): a patient bolus, the power goes a
   * quarter of an hour later, the next board boots from the same NVS, the reset is
   * acknowledged and a second request within the 1 h lockout is refused (E411); both boards'
   * streams in one, the clock carrying on across the boot.
   */
  'dose-memory-reset'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(2_400_000, { patientBolus: PATIENT }), storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.command('bolus', first.controller.patientBolus());
    a.run(15 * MIN);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('bolus', second.controller.patientBolus());
    b.run(HOUR);
    b.command('bolus', second.controller.patientBolus());
    b.run(15 * MIN);
    return [...rows, ...b.finish()];
  },

  /** A 30 min stall of the loop at 1 h at 1 mL/h (issue 13, hole 3): LOOP_STALLED, no burst. */
  'loop-stall'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(24_000_000), lateTimers: { seed: 1, randomStalls: false, stalls: [{ atMs: HOUR, ms: 30 * MIN }] } });
    const rec = new Recorder(vp);
    rec.run(2 * HOUR);
    return rec.finish();
  },

  /**
   * The dose guard (issue 13): a driver that runs away at 2 kHz and ignores stop() from 10 min,
   * no flow sensor; the guard's OVER_DELIVERY, the EN line off, and an acknowledgement while
   * still over the allowance that brings it back.
   */
  'dose-guard-runaway'(createVirtualPump, lib) {
    let runaway = false;
    const vp = createVirtualPump({
      mechanics: RIG_10,
      library: lib.library,
      reservoirNl: 10_000_000,
      prescription: continuous(24_000_000, { patientBolus: PATIENT }),
      flowSensor: false,
      wrapStepper: runawayDriver(() => runaway),
    });
    const rec = new Recorder(vp);
    rec.run(10 * MIN);
    runaway = true;
    rec.run(MIN);
    rec.command('acknowledge', vp.controller.acknowledge());
    rec.run(MIN);
    rec.rows.push([vp.nowMs, 'guard', vp.rig.stepLinePulses, vp.rig.enabled]);
    return rec.finish();
  },

  /**
   * Issue 13, hole 6: the library's count of clinician boluses survives a power cut (baclofen:
   * two a day soft, four hard), and an OCCLUSION restored at boot is not backed off again.
   */
  'counts-and-backoff-across-reset'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const bac = { name: 'bac', drug: { name: 'baclofen', concentrationUgPerMl: 500 }, mode: 'continuous', rateNlPerDay: 1_000_000 };
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: bac, storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    for (let i = 0; i < 2; i++) {
      a.command('cbolus', first.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000 }));
      a.run(30 * MIN);
    }
    first.line.occlude(first.nowMs);
    a.run(HOUR);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.run(MIN);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('cbolus', second.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000 }));
    b.command('cbolus-override', second.controller.clinicianBolus({ volumeNl: 20_000, durationMs: 600_000, overrideSoftLimits: true }));
    b.run(30 * MIN);
    return [...rows, ...b.finish()];
  },

  /**
   * Issue 14, item 1: baclofen at 500 ug/mL runs; a program for 2000 ug/mL is refused (E125,
   * the reservoir holds 500), so is a refill at 2000 while delivering (E423). Delivery goes on.
   */
  'concentration-change-refused'(createVirtualPump, lib) {
    const vp = createVirtualPump({ mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: baclofen(500, 1_000_000) });
    const rec = new Recorder(vp);
    rec.run(30 * MIN);
    rec.command('program-2000', vp.controller.program(baclofen(2000, 250_000), { overrideSoftLimits: true, confirmLargeIncrease: true }));
    rec.command('refill-2000', vp.controller.refill(10_000_000, { removedNl: 9_000_000, concentrationUgPerMl: 2000 }));
    rec.run(30 * MIN);
    return rec.finish();
  },

  /**
   * The refill-then-program path across a power cut: paused, refilled at 2000 ug/mL; the next
   * board restores the contents and holds the old prescription (RESUME and a bolus: E426),
   * a program for 2000 ug/mL then runs.
   */
  'refill-then-program'(createVirtualPump, lib) {
    const kv = new MockKeyValueStore();
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: baclofen(500, 1_000_000, { patientBolus: BAC_BOLUS }), storage: kv };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.run(30 * MIN);
    a.command('pause', first.controller.pause());
    a.command('refill-2000', first.controller.refill(10_000_000, { removedNl: 9_500_000, concentrationUgPerMl: 2000, drug: 'baclofen' }));
    a.command('resume', first.controller.resume());
    a.run(10 * MIN);
    const rows = a.finish();
    const second = createVirtualPump(options);
    const b = new Recorder(second);
    b.command('acknowledge', second.controller.acknowledge());
    b.command('resume', second.controller.resume());
    b.command('bolus', second.controller.patientBolus());
    b.command('program-500', second.controller.program(baclofen(500, 1_000_000, { patientBolus: BAC_BOLUS })));
    b.command('program-2000', second.controller.program(baclofen(2000, 250_000, { patientBolus: BAC_BOLUS })));
    b.run(30 * MIN);
    return [...rows, ...b.finish()];
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
      const hex = ne.take().map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')).join(' ');
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
   * Issue 14, item 4: a patient bolus cut by a power cut 4 min in; the next board boots from
   * the same NVS and log and closes it there (BOLUS_CUT_BY_RESET) with the bound from the
   * write-ahead counters. The first board's stream, then every LOG line the second one gives.
   */
  'bolus-cut-closed-at-boot'(createVirtualPump, lib) {
    const options = { mechanics: RIG_10, library: lib.library, reservoirNl: 10_000_000, prescription: continuous(2_400_000, { patientBolus: PATIENT }), storage: new MockKeyValueStore(), flash: new MockFlash() };
    const first = createVirtualPump(options);
    const a = new Recorder(first);
    a.run(30 * MIN);
    a.command('bolus', first.controller.patientBolus());
    a.run(4 * MIN);
    const rows = a.finish();
    const lp = createLinkedPump(options);
    const client = lp.client();
    for (let from = 0, pages = 0; pages < 10; pages++) {
      const before = client.received.length;
      const r = client.query('LOG', from, 7);
      for (const l of client.received.slice(before)) rows.push([lp.vp.nowMs, 'reply', 'LOG', l]);
      if (!r.ok || r.fields['n'] === '0') break;
      from = Number(r.fields['next']);
    }
    // Acknowledged, the basal runs again (the bolus does not resume).
    rows.push([lp.vp.nowMs, 'cmd', 'acknowledge', lp.vp.controller.acknowledge().ok, null]);
    lp.vp.runFor(10 * MIN);
    return finalRow(lp, rows);
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

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
