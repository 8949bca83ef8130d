// pumpctl against the firmware's own protocol link, in process, through @serialport/binding-mock:
// every command's happy path and the error paths a tester meets (a silent board, garbled
// replies, an incompatible protocol, a wrong key, an unplugged cable, a bad file), each with its
// documented exit status and a numbered message. The same commands over a real pseudo-terminal
// to the virtual board are in pumpctl-pty.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockBinding } from '@serialport/binding-mock';
import { describe, expect, it } from 'vitest';
import { crc16Hex } from '../firmware/shared/crc';
import { runPumpctl } from '../host/cli/pumpctl';
import { EXIT } from '../host/errors';
import { writeKeyFile } from '../host/protocol/key-file';
import { exampleKey } from '../host/protocol/virtual-link';
import { continuous } from './fixtures';
import { board, keyFile } from './pumpctl-mock';
import type { Responder } from './pump-binding';
import { pumpBinding } from './pump-binding';

const HOUR = 3_600_000;
const PATH = '/dev/ttyMOCK0';

async function pumpctl(
  respond: Responder,
  args: string[],
  o: { confirm?: boolean | (() => Promise<boolean>); env?: NodeJS.ProcessEnv; disconnectAfter?: number; gone?: boolean; reconnectMs?: number } = {},
) {
  let calls = 0;
  const pb = pumpBinding(PATH, (text) => {
    calls++;
    if (o.disconnectAfter !== undefined && calls === o.disconnectAfter) {
      queueMicrotask(() => {
        pb.disconnect();
        if (o.gone) MockBinding.reset(); // the device node disappears for good
      });
      return undefined;
    }
    return respond(text);
  });
  let stdout = '';
  let stderr = '';
  const code = await runPumpctl(['--port', PATH, '--timeout', '300', '--reconnect', String(o.reconnectMs ?? 2000), ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: o.env ?? {},
    binding: pb.binding,
    isTty: false,
    ...(o.confirm !== undefined && { confirm: typeof o.confirm === 'function' ? o.confirm : async () => o.confirm as boolean }),
  });
  return { code, stdout, stderr, sent: pb.sent };
}

describe('pumpctl reads the pump', () => {
  it('status: human text, and JSON for scripts', async () => {
    const b = board();
    b.vp.runFor(HOUR);
    const human = await pumpctl(b.respond, ['status']);
    expect(human.code).toBe(EXIT.ok);
    expect(human.stdout).toMatch(/state\s+running/);
    expect(human.stdout).toMatch(/rate\s+1\.000 mL\/day/);
    const json = await pumpctl(b.respond, ['--json', 'status']);
    const s = JSON.parse(json.stdout);
    expect(s.state).toBe('running');
    expect(Math.abs(s.deliveredNl - 41_667)).toBeLessThan(100);
    expect(s.alarms).toEqual([]);
  });

  it('info shows mechanics and calibration; alarms --check exits 13 only with an alarm', async () => {
    const b = board();
    const info = await pumpctl(b.respond, ['info']);
    expect(info.stdout).toMatch(/syringe\s+bd-10ml/);
    expect(info.stdout).toMatch(/not calibrated/);
    expect((await pumpctl(b.respond, ['alarms', '--check'])).code).toBe(EXIT.ok);
    b.vp.controller.raiseAlarm('OCCLUSION', 'test');
    const r = await pumpctl(b.respond, ['alarms', '--check']);
    expect(r.code).toBe(EXIT.alarms);
    expect(r.stdout).toMatch(/A10 OCCLUSION/);
  });

  it('log --csv exports every record, hourly totals included, across pages', async () => {
    const b = board();
    b.vp.runFor(30 * HOUR);
    const r = await pumpctl(b.respond, ['log', '--csv']);
    expect(r.code).toBe(EXIT.ok);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('seq,time_since_boot_s,clock_day,time_of_day,type,reason,delivered_nl,details');
    const seqs = rows.slice(1).map((l) => Number(l.split(',')[0]));
    expect(seqs.length).toBeGreaterThan(40); // more than two pages
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    const hours = rows.filter((l) => l.includes(',hour-total,'));
    expect(hours.length).toBeGreaterThanOrEqual(29);
    expect(r.stderr).toMatch(/downloading history: 100%/);
  });
});

describe('pumpctl plot', () => {
  it('draws delivered volume from the event log as SVG and as a valid PNG', async () => {
    const b = board();
    b.vp.runFor(24 * HOUR);
    const dir = mkdtempSync(join(tmpdir(), 'plot-'));
    const svg = await pumpctl(b.respond, ['plot', '--out', join(dir, 'd.svg')]);
    expect(svg.code).toBe(EXIT.ok);
    expect(svg.stdout).toMatch(/24\.00 h since boot from \d+ log records, (0\.99\d|1\.00\d) mL delivered/); // 1 mL/day for a day
    expect(readFileSync(join(dir, 'd.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*Delivered[\s\S]*<\/svg>\s*$/);
    expect((await pumpctl(b.respond, ['plot', '--out', join(dir, 'd.png')])).code).toBe(EXIT.ok);
    const png = readFileSync(join(dir, 'd.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.readUInt32BE(16)).toBe(800); // IHDR width
    expect(png.readUInt32BE(20)).toBe(500); // IHDR height
    expect((await pumpctl(b.respond, ['plot', '--out', join(dir, 'd.gif')])).code).toBe(EXIT.usage);
  });
});

describe('pumpctl changes the pump', () => {
  it('programs a YAML prescription: shows the change, commits with --yes, the pump runs it', async () => {
    const b = board();
    const dir = mkdtempSync(join(tmpdir(), 'rx-'));
    const file = join(dir, 'rx.yaml');
    writeFileSync(file, ['name: two-ml', 'drug:', '  name: water-bench', '  concentrationUgPerMl: 1000000', 'mode: continuous', 'rateNlPerDay: 2000000', ''].join('\n'));
    const r = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file, '--yes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/basal\.rateNlPerDay: 1000000 -> 2000000/);
    expect(r.stdout).toMatch(/committed "two-ml"/);
    expect(b.vp.controller.pump.prescription?.name).toBe('two-ml');
    expect(b.vp.controller.status().totalRateNlPerDay).toBe(2_000_000);
  });

  it('never commits unconfirmed: declined at the prompt, or no terminal and no --yes', async () => {
    const b = board();
    const file = join(mkdtempSync(join(tmpdir(), 'rx-')), 'rx.json');
    writeFileSync(file, JSON.stringify(continuous(2_000_000, { name: 'nope' })));
    const declined = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file], { confirm: false });
    expect(declined.code).toBe(EXIT.declined);
    expect(declined.stderr).toMatch(/E830/);
    const noTty = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file]);
    expect(noTty.code).toBe(EXIT.declined);
    expect(noTty.stderr).toMatch(/--yes/);
    expect(b.vp.controller.pump.prescription?.name).toBe('test');
  });

  it('a confirmation that outlasts the session: pumpctl logs in again and commits', async () => {
    const b = board();
    const file = join(mkdtempSync(join(tmpdir(), 'rx-')), 'rx.json');
    writeFileSync(file, JSON.stringify(continuous(2_000_000, { name: 'slow-yes' })));
    // The person at the prompt takes six minutes: the pump ends an idle session after five.
    const r = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file], {
      confirm: async () => {
        b.vp.runFor(6 * 60_000);
        return true;
      },
    });
    expect(r.stderr).toMatch(/session had expired on the pump: logging in again/);
    expect(r.code).toBe(EXIT.ok);
    expect(b.vp.controller.pump.prescription?.name).toBe('slow-yes');
  });

  it('an invalid prescription file names the file, line and field and sends nothing', async () => {
    const b = board();
    const file = join(mkdtempSync(join(tmpdir(), 'rx-')), 'bad.yaml');
    writeFileSync(file, ['name: bad', 'drug:', '  name: water-bench', '  concentrationUgPerMl: 1000000', 'mode: continuous', 'rateNlPerDay: 1.5', ''].join('\n'));
    const r = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file, '--yes']);
    expect(r.code).toBe(EXIT.file);
    expect(r.stderr).toContain(`${file}:6 (field rateNlPerDay): E102`);
    expect(r.sent).toEqual([]);
    writeFileSync(file, 'name: [unclosed\n');
    const syntax = await pumpctl(b.respond, ['--keys', keyFile(), 'program', file, '--yes']);
    expect(syntax.code).toBe(EXIT.file);
    expect(syntax.stderr).toMatch(/bad\.yaml is not valid YAML at line \d+, column \d+: /);
  });

  it("bolus, lockout refusal with the pump's own code, stop, resume, refill, ack", async () => {
    const b = board();
    const keys = keyFile();
    expect((await pumpctl(b.respond, ['--keys', keys, 'bolus'])).stdout).toMatch(/patient bolus #1 started/);
    const again = await pumpctl(b.respond, ['--keys', keys, 'bolus']);
    expect(again.code).toBe(EXIT.refused);
    expect(again.stderr).toMatch(/E821 PUMP_REFUSED: patient bolus: E411/);
    expect((await pumpctl(b.respond, ['stop'])).stdout).toMatch(/delivery paused/);
    expect(b.vp.controller.pump.state).toBe('paused');
    expect((await pumpctl(b.respond, ['--keys', keys, 'resume'])).code).toBe(EXIT.ok);
    expect(b.vp.controller.pump.state).toBe('running');
    const refill = await pumpctl(b.respond, ['--keys', keys, 'refill', '--removed-ml', '0', '--added-ml', '1', '--conc', '1000000']);
    expect(refill.code).toBe(EXIT.ok);
    b.vp.controller.raiseAlarm('OCCLUSION', 'test');
    const ack = await pumpctl(b.respond, ['--keys', keys, 'ack', 'A10']);
    expect(ack.code).toBe(EXIT.ok);
    expect(ack.stdout).toMatch(/acknowledged 1 alarm/);
  });

  it('refill --drug: another drug needs stop first, then program refuses the old one (E125) and info shows the new', async () => {
    const b = board();
    const keys = keyFile();
    const args = ['--keys', keys, 'refill', '--removed-ml', '8', '--added-ml', '10', '--conc', '2000', '--drug', 'baclofen'];
    const running = await pumpctl(b.respond, args);
    expect(running.code).toBe(EXIT.refused);
    expect(running.stderr).toMatch(/E423/);
    await pumpctl(b.respond, ['stop']);
    const refill = await pumpctl(b.respond, args);
    expect(refill.code).toBe(EXIT.ok);
    expect(refill.stdout).toMatch(/refill recorded: reservoir 10\.0+ mL of baclofen at 2000 µg\/mL/);
    expect((await pumpctl(b.respond, ['info'])).stdout).toMatch(/reservoir\s+10\.0+ mL of baclofen at 2000 µg\/mL/);
    expect((await pumpctl(b.respond, ['--keys', keys, 'resume'])).stderr).toMatch(/E426/);
    const dir = mkdtempSync(join(tmpdir(), 'pumpctl-'));
    const water = join(dir, 'water.json');
    writeFileSync(water, JSON.stringify(continuous(1_000_000)));
    const old = await pumpctl(b.respond, ['--keys', keys, 'program', water, '--yes']);
    expect(old.code).toBe(EXIT.refused);
    expect(old.stderr).toMatch(/E125/);
    const bad = await pumpctl(b.respond, ['--keys', keys, 'refill', '--removed-ml', '0', '--added-ml', '1', '--conc', '2000', '--drug', 'Baclofen']);
    expect(bad.code).toBe(EXIT.usage);
  });

  it('calibrate stores the factor (service key, paused)', async () => {
    const b = board();
    const keys = keyFile();
    const running = await pumpctl(b.respond, ['--keys', keys, 'calibrate', '--commanded-ul', '100', '--measured-ul', '98']);
    expect(running.code).toBe(EXIT.refused);
    expect(running.stderr).toMatch(/E403/);
    await pumpctl(b.respond, ['stop']);
    const r = await pumpctl(b.respond, ['--keys', keys, 'calibrate', '--commanded-ul', '100', '--measured-ul', '98']);
    expect(r.code).toBe(EXIT.ok);
    expect(b.vp.controller.pump.mechanics.calibrated).toBe(true);
  });

  it('keys provision: refused outside the window with the physical-presence step explained; works inside it', async () => {
    const b = board();
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'new.json');
    const closed = await pumpctl(b.respond, ['--keys', file, 'keys', 'provision', '--role', 'clinician']);
    expect(closed.code).toBe(EXIT.auth);
    expect(closed.stderr).toMatch(/service button/);
    b.auth.openProvisioning(b.vp.controller.now());
    const ok = await pumpctl(b.respond, ['--keys', file, 'keys', 'provision', '--all']);
    expect(ok.code).toBe(EXIT.ok);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(written).sort()).toEqual(['clinician', 'patient', 'service']);
    // The new clinician key works; the example one no longer does.
    const rx = join(mkdtempSync(join(tmpdir(), 'rx-')), 'rx.json');
    writeFileSync(rx, JSON.stringify(continuous(1_500_000, { name: 'new-key' })));
    expect((await pumpctl(b.respond, ['--keys', file, 'program', rx, '--yes'])).code).toBe(EXIT.ok);
    expect((await pumpctl(b.respond, ['--keys', keyFile(), 'resume'])).code).toBe(EXIT.auth);
  });
});

describe('pumpctl on a bad line', () => {
  it('no such port: exit 4 with the path', async () => {
    const b = board();
    const pb = pumpBinding(PATH, b.respond);
    let err = '';
    const code = await runPumpctl(['--port', '/dev/ttyNOPE', 'status'], { stdout: () => undefined, stderr: (t) => (err += t), env: {}, binding: pb.binding, isTty: false });
    expect(code).toBe(EXIT.port);
    expect(err).toMatch(/E810 .*\/dev\/ttyNOPE/);
  });

  it('a silent board: exit 5 after one retry', async () => {
    const r = await pumpctl(() => undefined, ['status']);
    expect(r.code).toBe(EXIT.timeout);
    expect(r.stderr).toMatch(/E812 TIMEOUT/);
    expect(r.sent.length).toBe(2);
  });

  it('garbled replies: the frame is resent, then exit 6', async () => {
    const b = board();
    const r = await pumpctl(
      (t) =>
        b
          .respond(t)
          ?.replace(/\*[0-9A-F]{4}/, '*ZZZZ')
          .replace('OK', 'OK'),
      ['status'],
    );
    expect(r.code).toBe(EXIT.garbled);
    expect(r.stderr).toMatch(/E813 GARBLED/);
    // One corrupted reply is survived: the resent frame gets a good one.
    let n = 0;
    const once = await pumpctl((t) => (n++ === 1 ? b.respond(t)!.replace(/\*[0-9A-F]{4}/, '*0000') : b.respond(t)), ['status']);
    expect(once.code).toBe(EXIT.ok);
    expect(once.stderr).toMatch(/sending the frame again/);
  });

  it('an incompatible protocol version: exit 7', async () => {
    const b = board();
    const r = await pumpctl((t) => (t.startsWith('VERSION') ? 'OK fw=9.0.0 proto=2 *0000\n'.replace('*0000', `*${crc16Hex('OK fw=9.0.0 proto=2')}`) : b.respond(t)), ['status']);
    expect(r.code).toBe(EXIT.incompatible);
    expect(r.stderr).toMatch(/protocol 2/);
  });

  it('a wrong key or none: exit 8; keys come from a file or the environment', async () => {
    const b = board();
    const dir = mkdtempSync(join(tmpdir(), 'k-'));
    const wrong = join(dir, 'wrong.json');
    writeKeyFile(wrong, { clinician: exampleKey('patient') });
    const r = await pumpctl(b.respond, ['--keys', wrong, 'resume']);
    expect(r.code).toBe(EXIT.auth);
    expect(r.stderr).toMatch(/E820 AUTH_FAILED/);
    const none = await pumpctl(b.respond, ['resume']);
    expect(none.code).toBe(EXIT.auth);
    expect(none.stderr).toMatch(/E804 NO_KEY/);
    const env = await pumpctl(b.respond, ['resume'], { env: { PUMP_KEY_CLINICIAN: Buffer.from(exampleKey('clinician')).toString('hex') } });
    expect(env.code).toBe(EXIT.refused); // authenticated; the pump says it is not paused
    writeFileSync(wrong, '{"clinician": "12"}');
    expect((await pumpctl(b.respond, ['--keys', wrong, 'resume'])).code).toBe(EXIT.file);
  });

  it('the cable pulled for good: exit 10', async () => {
    const b = board();
    b.vp.runFor(30 * HOUR);
    const r = await pumpctl(b.respond, ['log'], { disconnectAfter: 3, gone: true, reconnectMs: 0 });
    expect(r.code).toBe(EXIT.disconnected);
    expect(r.stderr).toMatch(/E815 DISCONNECTED: the connection to \/dev\/ttyMOCK0 was lost.* did not come back/);
  });

  it('a reset mid-download: pumpctl reconnects and the log is complete', async () => {
    const b = board();
    b.vp.runFor(30 * HOUR);
    const full = await pumpctl(b.respond, ['--json', 'log']);
    const want = JSON.parse(full.stdout).records.length;
    const r = await pumpctl(b.respond, ['--json', 'log'], { disconnectAfter: 3 });
    expect(r.stderr).toMatch(/reconnected/);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout).records.length).toBe(want);
  });

  it('usage errors are numbered too', async () => {
    const r = await pumpctl(() => undefined, ['bolus', '--volume-ul', 'lots']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/E800 USAGE: --volume-ul must be a number/);
  });
});
