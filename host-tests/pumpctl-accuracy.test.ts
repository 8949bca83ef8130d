// pumpctl accuracy, occlusion-test, bolus-test and calibrate --balance in process: the pump is
// the firmware's protocol link on a mock serial port, the balance an emulator (MT-SICS, SBI or
// Ohaus) on a second mock port weighing what that virtual pump's line delivered, the stopcock
// a VirtualStopcock on a third. Time is virtual: Io.clock runs the virtual pump forward, so a
// run of an hour costs milliseconds and nothing sleeps in real time.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MockPortBinding } from '@serialport/binding-mock';
import { MockBinding } from '@serialport/binding-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { lineBytes } from '../firmware/shared/crc';
import type { Scheduler } from '../host/accuracy/interfaces';
import type { BalanceProtocol } from '../host/balance/types';
import { VirtualBalance } from '../host/balance/virtual-balance';
import { MtSicsEmulator } from '../host/balance/virtual-mt-sics';
import { OhausEmulator } from '../host/balance/virtual-ohaus';
import { SbiEmulator } from '../host/balance/virtual-sbi';
import { VirtualStopcock } from '../host/balance/virtual-stopcock';
import { PNG_SIGNATURE } from '../host/chart/png';
import { EXIT } from '../host/errors';
import { runPumpctl } from '../host/cli/pumpctl';
import { writeKeyFile } from '../host/protocol/key-file';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import type { Binding } from '../host/serial/line-port';
import type { SerialDevice } from '../host/serial/device';
import { MockFlash } from '../host/storage/flash-mock';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { continuous, LIBRARY_JSON } from './fixtures';

const MIN = 60_000;
const PUMP = '/dev/ttyMOCK0';
const BALANCE = '/dev/ttyMOCK1';
const STOPCOCK = '/dev/ttyMOCK2';
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pumpctl-accuracy-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Responder = (text: string) => string | undefined;

/** Mock ports by path, each answered by its responder as soon as pumpctl writes. */
function benchBinding(ports: Record<string, Responder>): Binding {
  MockBinding.reset();
  for (const path of Object.keys(ports)) MockBinding.createPort(path, { echo: false, record: false });
  const open = MockBinding.open.bind(MockBinding);
  return {
    ...MockBinding,
    list: () => MockBinding.list(),
    open: async (options: Parameters<typeof MockBinding.open>[0]) => {
      const p: MockPortBinding = await open(options);
      const respond = ports[options.path]!;
      const write = p.write.bind(p);
      p.write = async (buffer: Buffer) => {
        await write(buffer);
        const reply = respond(buffer.toString('latin1'));
        if (reply) p.emitData(Buffer.from(reply, 'latin1'));
      };
      return p;
    },
  } as unknown as Binding;
}

/** Commands the balance answers only once the reading settles (the emulator holds them). */
const HELD: Record<BalanceProtocol, readonly string[]> = { 'mt-sics': ['S', 'Z', 'T'], sbi: [], ohaus: ['SP'] };

function bench(protocol: BalanceProtocol = 'mt-sics') {
  const lp = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000), storage: new MockKeyValueStore(), flash: new MockFlash() });
  const vp = lp.vp;
  const scale = new VirtualBalance({
    seed: 3,
    startMs: vp.nowMs,
    deliveredNl: (t) => {
      vp.line.advanceTo(t);
      return vp.line.outletNl;
    },
  });
  const device: SerialDevice = protocol === 'mt-sics' ? new MtSicsEmulator(scale) : protocol === 'sbi' ? new SbiEmulator(scale) : new OhausEmulator(scale);
  const outletAtOpen = { nl: 0 };
  const stopcock = new VirtualStopcock({
    close: (t) => vp.line.occlude(t),
    open: (t) => {
      vp.line.advanceTo(t);
      outletAtOpen.nl = vp.line.outletNl;
      vp.line.release(t);
    },
  });
  const wire = { pumpSilent: false };
  const pump: Responder = (text) => {
    if (wire.pumpSilent) return undefined;
    const before = lp.written.length;
    lp.link.receive(lineBytes(text));
    const out = lp.written.splice(before);
    return out.length ? out.map((l) => `${l}\n`).join('') : undefined;
  };
  const balance: Responder = (text) => {
    let out = device.receive(text, vp.nowMs);
    // A held request is answered when the balance settles: let virtual time pass until then
    // (the emulator answers "not stable" at its own deadline, so this ends).
    if (out === '' && !scale.notAnswering && HELD[protocol].includes(text.trim())) {
      for (let i = 0; i < 1_000 && out === ''; i++) {
        vp.runFor(50);
        out = device.poll?.(vp.nowMs) ?? '';
      }
    }
    return out || undefined;
  };
  const sc: Responder = (text) => stopcock.receive(text, vp.nowMs) || undefined;
  /** Things to do when virtual time reaches a point (a pump alarm, Ctrl-C). */
  const at: { ms: number; fn: () => void }[] = [];
  const t0 = vp.nowMs;
  const clock: Scheduler = {
    now: () => vp.nowMs,
    sleepUntil: async (ms) => {
      if (ms > vp.nowMs) vp.runFor(ms - vp.nowMs);
      for (const h of at.splice(0))
        if (vp.nowMs - t0 >= h.ms) h.fn();
        else at.push(h);
      await new Promise((r) => setImmediate(r)); // one turn of the event loop, no real time
    },
  };
  return { lp, vp, scale, stopcock, binding: benchBinding({ [PUMP]: pump, [BALANCE]: balance, [STOPCOCK]: sc }), clock, at, t0, outletAtOpen, wire };
}

function keyFile(): string {
  const file = join(tmp(), 'keys.json');
  writeKeyFile(file, { patient: exampleKey('patient'), clinician: exampleKey('clinician'), service: exampleKey('service') });
  return file;
}

async function pumpctl(b: ReturnType<typeof bench>, args: string[], o: { interrupted?: Promise<void>; confirm?: (q: string) => Promise<boolean> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runPumpctl(['--port', PUMP, '--keys', keyFile(), '--timeout', '300', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    binding: b.binding,
    isTty: false,
    clock: b.clock,
    ...(o.interrupted && { interrupted: o.interrupted }),
    ...(o.confirm && { confirm: o.confirm }),
  });
  return { code, stdout, stderr };
}

/** The run's result: with --json a failure adds its error document on the next line. */
const first = (stdout: string) => JSON.parse(stdout.split('\n')[0]!);

const files = (dir: string): string[] =>
  ['intervals.csv', 'report.md', 'results.json', 'samples.csv', 'startup.png', 'startup.svg', 'trumpet.png', 'trumpet.svg'].filter((f) => existsSync(join(dir, f)));

describe('pumpctl accuracy', () => {
  it('a 1 mL/h run over MT-SICS writes CSV, JSON, SVG, a valid PNG and the report with its verdict', async () => {
    const b = bench('mt-sics');
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['--json', 'accuracy', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--minutes', '40', '--out', dir]);
    expect(r.stderr).not.toMatch(/internal error/);
    const out = first(r.stdout);
    expect(out.status).toBe('complete');
    expect(out.samples).toBe(81);
    expect(Math.abs(out.secondHourErrorPct)).toBeLessThan(2);
    expect(out.trumpet.map((p: { windowMin: number }) => p.windowMin)).toEqual([2, 5, 11, 19]);
    expect(r.code).toBe(out.verdict.overall === 'fail' ? EXIT.tolerance : EXIT.ok);
    expect(files(dir)).toHaveLength(8);
    const csv = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,t_ms,t_min,mass_mg,flags,note');
    expect(csv).toHaveLength(82);
    // About 0.67 mL weighed in 40 min at 1 mL/h (the line fills first).
    expect(Number(csv[81]!.split(',')[3])).toBeGreaterThan(600);
    const png = readFileSync(join(dir, 'startup.png'));
    expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(200); // width
    expect(png.length).toBeGreaterThan(2_000);
    expect(readFileSync(join(dir, 'trumpet.svg'), 'utf8')).toMatch(/^<svg|<\?xml/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/^# Accuracy run: (PASS|INCONCLUSIVE|FAIL)/);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.balance).toEqual({ protocol: 'mt-sics', serialNumber: 'B912345678' });
    // The pump ran the test prescription and was stopped at the end.
    expect(b.vp.controller.status().prescription).toBe('accuracy');
    expect(b.vp.controller.status().state).toBe('paused');
  });

  it('human output: the live view on stderr, the summary and the verdict on stdout; exit 22 outside tolerance', async () => {
    const b = bench('sbi');
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['accuracy', '--balance', BALANCE, '--balance-protocol', 'sbi', '--rate-ml-h', '1', '--minutes', '20', '--tolerance-pct', 'a=0.001,total=0.001', '--out', dir]);
    expect(r.stderr).toMatch(/accuracy: 100% \(40\/40\) weighing, elapsed 20 min 0 s, remaining 0 s, [0-9.]+ mg, running error [-+][0-9.]+ %/);
    expect(r.stdout).toMatch(/accuracy run complete: 1 mL\/h, 41 samples on a sbi balance/);
    expect(r.stdout).toMatch(/verdict: FAIL/);
    expect(r.code).toBe(EXIT.tolerance);
    expect(r.stderr).toMatch(/E841 OUT_OF_TOLERANCE: .*report\.md/);
    expect(files(dir)).toHaveLength(8);
  });

  it('auto-detects an Ohaus balance and finishes a short run', async () => {
    const b = bench('ohaus');
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['--json', 'accuracy', '--balance', BALANCE, '--balance-protocol', 'auto', '--balance-timeout', '50', '--rate-ml-h', '2', '--minutes', '10', '--out', dir]);
    const out = first(r.stdout);
    expect(out.status).toBe('complete');
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).balance.protocol).toBe('ohaus');
    expect(Math.abs(out.totalVolumeErrorPct)).toBeLessThan(10);
  });

  it('Ctrl-C aborts: exit 21 with E931, and the partial data and report are written', async () => {
    const b = bench();
    let interrupt!: () => void;
    const interrupted = new Promise<void>((r) => (interrupt = r));
    b.at.push({ ms: 10 * MIN, fn: () => interrupt() });
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['accuracy', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--out', dir], { interrupted });
    expect(r.code).toBe(EXIT.aborted);
    expect(r.stderr).toMatch(/E931 ABORTED: .*interrupted by the operator/);
    const rows = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
    expect(rows.length).toBeGreaterThan(15);
    expect(rows.length).toBeLessThan(30);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/^# Accuracy run: (INCONCLUSIVE|FAIL)\n\n\*\*The run is aborted\*\*/);
    expect(b.vp.controller.status().state).toBe('paused');
  });

  it('a silent balance: exit 20 with E900, the pump never programmed', async () => {
    const b = bench();
    b.scale.notAnswering = true;
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, [
      'accuracy',
      '--balance',
      BALANCE,
      '--balance-protocol',
      'mt-sics',
      '--balance-timeout',
      '20',
      '--settle-timeout',
      '20',
      '--rate-ml-h',
      '1',
      '--minutes',
      '10',
      '--out',
      dir,
    ]);
    expect(r.code).toBe(EXIT.balance);
    expect(r.stderr).toMatch(/^pumpctl: E900 NOT_ANSWERING: the balance does not answer/m);
    expect(r.stderr).not.toMatch(/at .*\.ts:/); // no stack trace
    expect(b.vp.controller.status().prescription).toBe('test');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/The run is failed/);
  });

  it('auto-detection with nothing answering: exit 20 with E909', async () => {
    const b = bench();
    b.scale.notAnswering = true;
    const r = await pumpctl(b, ['accuracy', '--balance', BALANCE, '--balance-timeout', '10', '--rate-ml-h', '1', '--minutes', '10', '--out', join(tmp(), 'run')]);
    expect(r.code).toBe(EXIT.balance);
    expect(r.stderr).toMatch(/E909 NOT_DETECTED: no balance protocol answered/);
  });

  it('a pump alarm during the run is marked in the samples and named in the report', async () => {
    const b = bench();
    b.at.push({ ms: 5 * MIN, fn: () => b.vp.controller.raiseAlarm('OCCLUSION', 'bench test') });
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['--json', 'accuracy', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--minutes', '10', '--out', dir]);
    const out = first(r.stdout);
    expect(out.alarms.map((a: { alarm: { name: string } }) => a.alarm.name)).toContain('OCCLUSION');
    expect(out.verdict.overall).not.toBe('pass');
    const rows = readFileSync(join(dir, 'samples.csv'), 'utf8').split('\n');
    expect(rows.some((l) => /pump-alarm,pump alarm 10 OCCLUSION/.test(l))).toBe(true);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/OCCLUSION/);
    expect(r.stderr).toMatch(/marked: the pump had an alarm/);
  });

  // A pump that answered and then went silent is waited for --reconnect, then E815 (exit 10):
  // docs/pumpctl.md. --reconnect 0 here, so the test does not wait 15 s of wall time for it.
  it('a pump that stops answering mid-run: the run ends, its folder is written, exit 10 with E815', async () => {
    const b = bench();
    b.at.push({ ms: 5 * MIN, fn: () => (b.wire.pumpSilent = true) });
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['--timeout', '50', '--reconnect', '0', 'accuracy', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--minutes', '20', '--out', dir]);
    expect(r.code).toBe(EXIT.disconnected);
    expect(r.stderr).toMatch(/^pumpctl: E815 DISCONNECTED: no answer from \S+ within 50 ms \(twice\)/m);
    expect(readFileSync(join(dir, 'samples.csv'), 'utf8')).toMatch(/pump-alarm,"pump alarm 0 PUMP_NOT_ANSWERING: E815/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/\*\*The run is aborted\*\*: E931 .*the pump stopped answering/);
  });

  it('--prime-minutes runs the pump before the first weighing and judges the whole run', async () => {
    const b = bench('mt-sics');
    const dir = join(tmp(), 'run');
    const r = await pumpctl(b, ['--json', 'accuracy', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--minutes', '20', '--prime-minutes', '10', '--out', dir]);
    expect(r.stderr).toMatch(/priming the line at the rate for 10 min/);
    const out = first(r.stdout);
    expect(out.status).toBe('complete');
    expect(out.samples).toBe(41);
    // The whole 20 minutes are the analysis period, so the 11 and 19 minute windows fit.
    expect(out.trumpet.map((p: { windowMin: number }) => p.windowMin)).toEqual([2, 5, 11, 19]);
    expect(Math.abs(out.totalVolumeErrorPct)).toBeLessThan(1);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(json.options.primeMs).toBe(600_000);
    expect(json.analysis.secondHour.fromMs).toBe(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/\| Primed before the first weighing \| 10\.0 min at the set rate \|\n\| Analysis period \(A, trumpet\) \| 0\.0 min to 20\.0 min \|/);
    // 30 minutes at 1 mL/h pushed, the prime included.
    expect(b.vp.controller.status().deliveredNl / 500_000).toBeCloseTo(1, 2);
  });

  it('refuses bad input with numbered usage errors', async () => {
    const b = bench();
    const bad = async (args: string[]) => pumpctl(b, ['accuracy', '--balance', BALANCE, ...args]);
    expect((await bad(['--rate-ml-h', 'fast'])).stderr).toMatch(/E800 USAGE: --rate-ml-h must be a number/);
    expect((await bad(['--rate-ml-h', '1', '--interval-s', '45'])).stderr).toMatch(/E800 USAGE: --interval-s must divide 60/);
    expect((await bad(['--rate-ml-h', '1', '--hours', '1', '--minutes', '5'])).code).toBe(EXIT.usage);
    expect((await bad(['--rate-ml-h', '1', '--prime-minutes', 'soon'])).stderr).toMatch(/E800 USAGE: --prime-minutes must be a number/);
    expect((await bad(['--rate-ml-h', '1', '--prime-minutes', '121'])).stderr).toMatch(/E800 USAGE: --prime-minutes/);
    expect((await bad(['--rate-ml-h', '1', '--tolerance-pct', 'b=3'])).stderr).toMatch(/E800 USAGE: --tolerance-pct: unknown key "b"/);
    expect((await bad(['--rate-ml-h', '1', '--balance-protocol', 'kern'])).stderr).toMatch(/E800 USAGE: --balance-protocol must be one of/);
  });
});

describe('the virtual stopcock', () => {
  it('closes and opens once each, answers OK, reports its state, refuses anything else', () => {
    const calls: string[] = [];
    const sc = new VirtualStopcock({ close: (t) => calls.push(`close@${t}`), open: (t) => calls.push(`open@${t}`) });
    expect(sc.receive('CLOSE\r\n', 5)).toBe('OK\r\n');
    expect(sc.receive('clo', 6) + sc.receive('se\n', 7)).toBe('OK\r\n'); // split across writes, again: harmless
    expect(sc.receive('STATE\n', 8)).toBe('CLOSED\r\n');
    expect(sc.receive('OPEN\n', 9)).toBe('OK\r\n');
    expect(sc.receive('VENT\n', 10)).toMatch(/^ERR unknown command "VENT"/);
    expect(calls).toEqual(['close@5', 'open@9']);
  });
});

describe('pumpctl occlusion-test, bolus-test, calibrate --balance', () => {
  it('occlusion-test with a virtual stopcock: time to alarm and the released bolus', async () => {
    const b = bench();
    const dir = join(tmp(), 'occ');
    const r = await pumpctl(b, [
      '--json',
      'occlusion-test',
      '--balance',
      BALANCE,
      '--balance-protocol',
      'mt-sics',
      '--rate-ml-h',
      '1',
      '--settle-min',
      '2',
      '--max-wait-min',
      '60',
      '--stopcock',
      STOPCOCK,
      '--out',
      dir,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    const out = first(r.stdout);
    expect(out.status).toBe('complete');
    expect(out.timeToAlarmMs).toBeGreaterThan(0);
    expect(out.timeToAlarmMs).toBeLessThan(60 * MIN);
    expect(out.alarms.map((a: { alarm: { name: string } }) => a.alarm.name)).toContain('OCCLUSION');
    // The weighed release matches what left the line model's outlet after opening. (It may be
    // negative: the firmware's back-off after an occlusion can draw back more than the line held.)
    expect(out.bolusUl).toBeCloseTo((b.vp.line.outletNl - b.outletAtOpen.nl) / 1000, 0);
    expect(r.code).toBe(out.verdict === 'fail' ? EXIT.tolerance : EXIT.ok);
    expect(b.stopcock.closed).toBe(false);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/^# Occlusion test: (PASS|FAIL)/);
    expect(existsSync(join(dir, 'samples.csv'))).toBe(true);
  });

  it('occlusion-test with the operator as the stopcock, asked on the terminal', async () => {
    const b = bench();
    const asked: string[] = [];
    const r = await pumpctl(b, ['--json', 'occlusion-test', '--balance', BALANCE, '--balance-protocol', 'mt-sics', '--rate-ml-h', '1', '--settle-min', '1', '--out', join(tmp(), 'occ')], {
      confirm: async (q) => {
        asked.push(q);
        if (/Close/.test(q)) b.vp.line.occlude(b.vp.nowMs);
        else b.vp.line.release(b.vp.nowMs);
        return true;
      },
    });
    expect(asked).toEqual(['Close the downstream stopcock now. Closed?', 'Open the stopcock now to release the line. Open?']);
    expect(first(r.stdout).timeToAlarmMs).toBeGreaterThan(0);
    // No terminal and no --stopcock: refused before anything moves.
    const none = await pumpctl(bench(), ['occlusion-test', '--balance', BALANCE, '--rate-ml-h', '1']);
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toMatch(/E800 USAGE: there is no terminal to ask the operator/);
  });

  it('bolus-test: boluses weighed, mean and spread, report', async () => {
    const b = bench('sbi');
    const dir = join(tmp(), 'bolus');
    const r = await pumpctl(b, ['--json', 'bolus-test', '--balance', BALANCE, '--balance-protocol', 'sbi', '--volume-ul', '50', '--count', '3', '--minutes', '1', '--out', dir]);
    expect(r.stderr).not.toMatch(/internal error/);
    const out = first(r.stdout);
    expect(out.status).toBe('complete');
    expect(out.boluses).toHaveLength(3);
    expect(Math.abs(out.meanErrorPct)).toBeLessThan(10);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/^# Bolus test: /);
    expect(r.code).toBe(out.verdict === 'fail' ? EXIT.tolerance : EXIT.ok);
  });

  it('calibrate --balance weighs a delivery and stores the factor; --dry-run does not', async () => {
    const b = bench('ohaus');
    const flOf = async () => Number(JSON.parse((await pumpctl(b, ['--json', 'info'])).stdout).flPerMicrostep);
    const before = await flOf();
    const dry = await pumpctl(b, [
      '--json',
      'calibrate',
      '--balance',
      BALANCE,
      '--balance-protocol',
      'ohaus',
      '--volume-ul',
      '200',
      '--rate-ml-h',
      '6',
      '--settle-min',
      '2',
      '--dry-run',
      '--out',
      join(tmp(), 'cal'),
    ]);
    expect(dry.code).toBe(EXIT.ok);
    expect(JSON.parse(dry.stdout).stored).toBe(false);
    const dir = join(tmp(), 'cal');
    const r = await pumpctl(b, ['calibrate', '--balance', BALANCE, '--balance-protocol', 'ohaus', '--volume-ul', '200', '--rate-ml-h', '6', '--settle-min', '2', '--out', dir]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/calibrated: one microstep [0-9.]+ nl -> [0-9.]+ nl \([-+][0-9.]+ %\), stored on the pump/);
    const info = await pumpctl(b, ['info']);
    expect(info.stdout).toMatch(/\(calibrated\)/);
    const after = await flOf();
    expect(after).not.toBe(before);
    expect(Math.abs(after / before - 1)).toBeLessThan(0.05);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/calibrationNlPerMicrostep = \*\*[0-9.]+\*\*/);
    // The manual path is unchanged, and mixing the two is refused.
    expect((await pumpctl(b, ['calibrate'])).stderr).toMatch(/E800 USAGE: give --commanded-ul and --measured-ul, or --balance PORT/);
    expect((await pumpctl(b, ['calibrate', '--balance', BALANCE, '--commanded-ul', '100', '--measured-ul', '100'])).code).toBe(EXIT.usage);
  });
});
