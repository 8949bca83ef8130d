// The station's flashing (host/station/flasher.ts) through the real Node flasher
// (host/device/flasher.ts) against the scripted ESP32 ROM loader (host/device/rom-sim.ts), the
// port opener injected: a good image is written and verified; each numbered flash problem
// becomes the identify step's result (the board's fault a fail, a flash that could not be done
// an error), committed with the later steps skipped and a certificate; and the command refuses
// --image without board ids, with a virtual batch, or with a folder that is no image.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPumpctl } from '../host/cli/pumpctl';
import type { RomSimOptions } from '../host/device/rom-sim';
import { RomSimulator } from '../host/device/rom-sim';
import { WebSerialAdapter } from '../host/device/web-serial';
import { StationDb } from '../host/station/db';
import type { Flasher } from '../host/station/flasher';
import { createFlasher } from '../host/station/flasher';
import { KeyStore } from '../host/station/keystore';
import { LiveTable } from '../host/station/live';
import { terminalOperator } from '../host/station/operator';
import { DEFAULT_PROFILE } from '../host/station/profile';
import { runBoard } from '../host/station/run';
import { imageDir } from './flash-fixture';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'station-flash-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A flasher whose port is the ROM simulator: what the station would do to a board in its downloader. */
function simFlasher(o: RomSimOptions = {}): { sim: RomSimulator; flasher: Flasher; opened: string[] } {
  const sim = new RomSimulator(o);
  const opened: string[] = [];
  const flasher = createFlasher({
    open: (path) => {
      opened.push(path);
      return new WebSerialAdapter(sim.opener);
    },
    flash: { noReset: true, baud: 115200, attempts: 1 },
  });
  return { sim, flasher, opened };
}

describe('the station flasher over the ROM simulator', () => {
  it('writes and verifies the image through the opener it is given, reporting progress', async () => {
    const dir = imageDir();
    const { sim, flasher, opened } = simFlasher();
    const progress: string[] = [];
    const r = await flasher.flash({ port: '/dev/ttyLAB1', image: dir, onProgress: (p) => progress.push(p) });
    if (!r.ok) throw new Error(r.text);
    expect(opened).toEqual(['/dev/ttyLAB1']);
    expect(r.chip).toBe('ESP32');
    expect(r.parts.map((p) => p.address)).toEqual([0x1000, 0x8000, 0x10000]);
    const app = new Uint8Array(readFileSync(join(dir, 'xs_esp32.bin')));
    expect(Buffer.from(sim.flash.subarray(0x10000, 0x10000 + app.length)).equals(Buffer.from(app))).toBe(true);
    expect(progress).toContain('flashing application 100 %');
  }, 60_000);

  it.each([
    ['a chip that never answers', { silent: true }, 'error', /^E723 CHIP_SILENT: /],
    ['the wrong chip for the image', { chip: 'esp32s3' as const }, 'fail', /^E724 CHIP_WRONG: .*ESP32/],
    ['a write the MD5 read-back catches', { corruptAddress: 0x10000 + 99 }, 'fail', /^E726 VERIFY_FAILED: xs_esp32\.bin at 0x10000/],
  ] as const)(
    'maps %s to a step result',
    async (_what, sim, result, text) => {
      const { flasher } = simFlasher(sim);
      const r = await flasher.flash({ port: '/dev/ttyLAB1', image: imageDir() });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.result).toBe(result);
      expect(r.text).toMatch(text);
    },
    60_000,
  );

  it('opens real ports with openSerialPort by default: a missing device is E727, an error', async () => {
    const r = await createFlasher({ flash: { noReset: true, attempts: 1 } }).flash({ port: '/dev/station-test-no-such-tty', image: imageDir() });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.name).toBe('PORT_FAILED');
      expect(r.result).toBe('error');
      expect(r.text).toMatch(/^E727 PORT_FAILED: .*station-test-no-such-tty/);
    }
  }, 60_000);
});

describe('a flash that fails is the board record', () => {
  it('commits identify as fail with the E726 text, skips the rest, certifies and closes the run', async () => {
    const d = tmp();
    const db = StationDb.open(join(d, 'results.db'));
    const { flasher } = simFlasher({ corruptAddress: 0x8000 + 4 });
    const lines: string[] = [];
    const ac = new AbortController();
    const out = await runBoard(
      // The port is not a board: had the station tried to open a session after the failed flash, the run would be interrupted, not finished.
      { label: 'B1', port: '/dev/station-test-no-such-tty', id: 'LAB-017', balanceProtocol: 'auto' },
      {
        db,
        store: new KeyStore(join(d, 'keys')),
        profile: DEFAULT_PROFILE,
        operator: terminalOperator('ann', undefined, () => undefined),
        link: { binding: undefined as never, baud: 115200, timeoutMs: 1000, reconnectMs: 0, timeScale: 1, signal: ac.signal, notice: () => undefined },
        table: new LiveTable({ write: (t) => lines.push(t), tty: false }),
        out: d,
        batch: 'flash-1',
        resume: false,
        image: imageDir(),
        flasher,
      },
    );
    expect(out).toMatchObject({ state: 'finished', boardId: 'LAB-017', verdict: 'fail' });
    if (out.state !== 'finished') return;
    const steps = db.steps(out.runId);
    expect(steps.map((s) => [s.name, s.result])).toEqual([
      ['identify', 'fail'],
      ['provision', 'skipped'],
      ['selftest', 'skipped'],
      ['calibrate', 'skipped'],
      ['accuracy', 'skipped'],
      ['certificate', 'pass'],
    ]);
    expect(steps[0]!.detail).toMatch(/E726 VERIFY_FAILED: partition-table\.bin at 0x8000/);
    expect(db.measurements(out.runId)).toEqual([expect.objectContaining({ step: 'identify', name: 'flash.partsVerified', value: 0 })]);
    expect(db.run(out.runId)).toMatchObject({ status: 'finished' });
    const cert = readFileSync(join(out.dir, 'certificate.md'), 'utf8');
    expect(cert).toMatch(/# Test certificate: LAB-017: FAIL/);
    expect(cert).toMatch(/\| identify \| FAIL \|.*E726/);
    expect(out.reason).toBe('identify fail, provision skipped, selftest skipped, calibrate skipped, accuracy skipped');
    db.close();
  }, 60_000);
});

describe('pumpctl station run --image refuses before touching a board', () => {
  const run = async (args: string[]) => {
    let stderr = '';
    const code = await runPumpctl(['station', 'run', ...args], { stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, isTty: false });
    return { code, stderr };
  };

  it('needs an id for every board (E773), a real board (E773), and an image folder (E778 with the E720 inside)', async () => {
    const d = tmp();
    const base = ['--db', join(d, 'r.db'), '--out', d];
    const noId = await run([...base, '--board', '/dev/ttyUSB7', '--image', imageDir()]);
    expect(noId.stderr).toMatch(/E773 BOARD_SPEC: --image: give B1 its id/);
    expect(noId.code).not.toBe(0);
    const virtual = await run([...base, '--virtual', '2', '--image', imageDir()]);
    expect(virtual.stderr).toMatch(/E773 BOARD_SPEC: --image flashes real boards/);
    const missing = await run([...base, '--board', '/dev/ttyUSB7,id=LAB-1', '--image', join(d, 'no-image')]);
    expect(missing.stderr).toMatch(/E778 IMAGE: --image .*no-image: E720 IMAGE_MISSING/);
    expect(existsSync(join(d, 'LAB-1'))).toBe(false);
  });
});
