// hardware/ against the firmware and itself: every pin the firmware and the virtual rig ask for
// exists on every board, no GPIO twice, each chip's constraints (hardware/chips.json) kept,
// docs and manifest.json agree with pinmap.json, and the wiring table and diagrams are the
// generated ones. Also checks the checker on deliberately broken maps.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BOARD_NAME, boardPin } from '../firmware/app/board';
import library from '../firmware/app/examples/library.example.json';
import mechanicsExample from '../firmware/app/examples/mechanics.example.json';
import { readMechanics } from '../firmware/core/mechanics';
import type { SourceFile } from '../host/hardware/check';
import { boardPinRequests, docPinProblems, hardwareProblems, manifestPinProblems, requestProblems } from '../host/hardware/check';
import type { Hardware } from '../host/hardware/model';
import { HARDWARE } from '../host/hardware/model';
import { renderAllWiringSvgs, renderWiringSvg } from '../host/hardware/wiring-svg';
import { renderWiringTable, TABLE_BEGIN, TABLE_END, withWiringTable } from '../host/hardware/wiring-table';
import { createVirtualPump } from '../host/sim/virtual-pump';
import firstDrop from '../hardware/first-drop.prescription.json';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

function files(dir: string, match: RegExp): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (match.test(e.name)) out.push({ path: relative(ROOT, path).split('\\').join('/'), text: readFileSync(path, 'utf8') });
    }
  };
  walk(join(ROOT, dir));
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** A deep copy of the hardware description to break on purpose. */
const copy = (): Hardware => structuredClone(HARDWARE) as Hardware;
type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
const edit = (hw: Hardware): Mutable<Hardware> => hw as Mutable<Hardware>;

describe('hardware/pinmap.json', () => {
  it('names a board as the default (the DevKitC as committed), and the firmware reads that board', () => {
    expect(BOARD_NAME).toBe(HARDWARE.pinmap.default);
    const board = HARDWARE.pinmap.boards[BOARD_NAME]!;
    for (const [name, pin] of Object.entries(board.pins)) expect(boardPin(name), name).toEqual(expect.objectContaining({ gpio: pin.gpio }));
  });

  it('has a second board', () => {
    expect(Object.keys(HARDWARE.pinmap.boards)).toEqual(['esp32-devkitc', 'esp32-s3-devkitc-1']);
  });

  it("keeps every board within its chip's constraints, each GPIO used once, and agrees with wiring.json", () => {
    expect(hardwareProblems(HARDWARE)).toEqual([]);
  });

  it('has every pin the firmware and the virtual rig ask for on every board, and no pin nobody asks for', () => {
    const sources = [...files('firmware', /\.ts$/), ...files('host/sim', /\.ts$/)];
    const { names, unresolved } = boardPinRequests(sources);
    expect(unresolved).toEqual([]);
    expect(requestProblems(HARDWARE, names)).toEqual([]);
    // The scan finds the calls through the wrappers too (assemble.ts `gpio('x')`, the rig's `pin('x')`).
    expect(names.get('i2cSda')?.some((w) => w.startsWith('firmware/app/assemble.ts'))).toBe(true);
    expect(names.get('fault')?.some((w) => w.startsWith('host/sim/virtual-pump.ts'))).toBe(true);
  });
});

describe('the checker itself', () => {
  const problemsAfter = (change: (hw: Mutable<Hardware>) => void): string[] => {
    const hw = copy();
    change(edit(hw));
    return hardwareProblems(hw);
  };
  const devkitc = (hw: Mutable<Hardware>) => hw.pinmap.boards['esp32-devkitc']!;
  const s3 = (hw: Mutable<Hardware>) => hw.pinmap.boards['esp32-s3-devkitc-1']!;

  it('finds a GPIO used twice', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['dir']!.gpio = 26))).toContain('esp32-devkitc: GPIO 26 is used twice (step, dir)');
  });

  it('finds an output on an input-only pin, and an I2C line there', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['led']!.gpio = 37)).join('\n')).toMatch(/led on GPIO 37: an input-only pin for a signal the ESP32 must drive/);
    expect(problemsAfter((hw) => (devkitc(hw).pins['i2cSda']!.gpio = 38)).join('\n')).toMatch(/i2cSda on GPIO 38: an input-only pin/);
  });

  it('finds flash, console, USB, PSRAM and board-reserved pins', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['led']!.gpio = 7)).join('\n')).toMatch(/led on GPIO 7: wired to the SPI flash/);
    expect(problemsAfter((hw) => (devkitc(hw).pins['led']!.gpio = 1)).join('\n')).toMatch(/led on GPIO 1: UART0, the console/);
    expect(problemsAfter((hw) => (s3(hw).pins['led']!.gpio = 20)).join('\n')).toMatch(/led on GPIO 20: a USB pin/);
    expect(problemsAfter((hw) => (s3(hw).pins['led']!.gpio = 36)).join('\n')).toMatch(/led on GPIO 36: spent on PSRAM/);
    expect(problemsAfter((hw) => (s3(hw).pins['led']!.gpio = 38)).join('\n')).toMatch(/led on GPIO 38: reserved on this board: Drives the board's addressable RGB LED/);
  });

  it('allows a strapping pin only where the reason says why it is safe', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['led']!.gpio = 2)).join('\n')).toMatch(/led on GPIO 2: a strapping pin/);
    const ok = problemsAfter((hw) => {
      devkitc(hw).pins['led']!.gpio = 2;
      devkitc(hw).pins['led']!.why = 'Strapping pin GPIO 2 must be low or floating for download boot; the LED to ground keeps it low, which is safe.';
    });
    expect(ok.join('\n')).not.toMatch(/strapping/);
  });

  it('wants the battery on ADC1', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['battery']!.gpio = 14)).join('\n')).toMatch(/battery on GPIO 14: analog input off ADC1/);
    expect(problemsAfter((hw) => (s3(hw).pins['battery']!.gpio = 5))).toEqual([]);
  });

  it('wants an external pull named where the pad has none, and the ADC glitch handled on GPIO 36/39', () => {
    expect(problemsAfter((hw) => (devkitc(hw).pins['uartRx']!.why = 'Programming UART receive on an input-only pin.')).join('\n')).toMatch(
      /uartRx on GPIO 34: must idle high but the pin has no internal pull/,
    );
    expect(problemsAfter((hw) => (devkitc(hw).pins['fault']!.why = 'DRV8825 nFAULT, open-drain; fit a 10 kOhm pull-up to 3V3.')).join('\n')).toMatch(
      /fault on GPIO 39: edge-triggered input on a pin that glitches/,
    );
  });

  it('finds a signal missing on a board, a pin no signal describes, and peripheral facts that differ between boards', () => {
    expect(problemsAfter((hw) => delete s3(hw).pins['service'])).toContain('esp32-s3-devkitc-1: no pin for signal service (wiring.json lists it)');
    expect(problemsAfter((hw) => (s3(hw).pins['spare'] = { gpio: 5, why: 'A spare pin nobody wired, for the test.' }))).toContain('esp32-s3-devkitc-1: pin spare is not a signal in wiring.json');
    expect(problemsAfter((hw) => (s3(hw).pins['enable']!.activeLow = false))).toContain('esp32-s3-devkitc-1: enable.activeLow is false but true on esp32-devkitc');
  });

  it('follows boardPin wrappers and refuses calls it cannot follow', () => {
    const wrapped = { path: 'a.ts', text: "const gpio = (name: string): number => boardPin(name).gpio;\nconst x = gpio('step');\nboardPin('dir');\n" };
    const opaque = { path: 'b.ts', text: "const names = ['led'];\nfor (const n of names) boardPin(n);\n" };
    const { names, unresolved } = boardPinRequests([wrapped, opaque]);
    expect([...names.keys()].sort()).toEqual(['dir', 'step']);
    expect(unresolved).toEqual(['b.ts:2: boardPin(n) takes a name this check cannot follow']);
    expect(requestProblems(HARDWARE, names)).toContain('esp32-devkitc: pin "led" is not asked for by the firmware or the virtual rig');
    expect(requestProblems(HARDWARE, new Map([['pump', ['c.ts:1']]]))).toContain('esp32-devkitc: no pin "pump", asked for at c.ts:1');
  });

  it('finds pin numbers in docs that disagree with the map, outside generated blocks', () => {
    const doc = (text: string): string[] => docPinProblems(HARDWARE, [{ path: 'x.md', text }]);
    expect(doc('The `battery` divider goes to GPIO 33.')).toEqual(['x.md:1: GPIO 33 is not the pin of `battery` on any board (battery: 32/4)']);
    expect(doc('`syringeEmpty` and `plungerHome` are on GPIO 16/17 on the DevKitC.')).toEqual([]);
    expect(doc('Input-only pins are GPIO 34-39; GPIO 52 does not exist.')).toEqual(["x.md:1: GPIO 52 exists on none of the boards' chips"]);
    expect(doc('<!-- table:begin -->\n`battery` GPIO 33\n<!-- table:end -->')).toEqual([]);
    const sda = HARDWARE.pinmap.boards[HARDWARE.pinmap.default]!.pins['i2cSda']!.gpio;
    const scl = HARDWARE.pinmap.boards[HARDWARE.pinmap.default]!.pins['i2cScl']!.gpio;
    expect(manifestPinProblems(HARDWARE, { config: { i2c: { sda: scl, scl } } }, '')).toEqual([`manifest.json .config.i2c.sda = ${scl}, but i2cSda is GPIO ${sda} on ${HARDWARE.pinmap.default}`]);
  });
});

describe('docs and manifest.json against the pin map', () => {
  it('mention no GPIO that disagrees with pinmap.json', () => {
    const docs = [{ path: 'README.md', text: read('README.md') }, ...files('docs', /\.md$/), ...files('hardware', /\.md$/)];
    expect(docPinProblems(HARDWARE, docs)).toEqual([]);
    const manifest = read('manifest.json');
    expect(manifestPinProblems(HARDWARE, JSON.parse(manifest), manifest)).toEqual([]);
  });
});

describe('hardware/README.md', () => {
  const readme = (): string => read('hardware/README.md');

  it('carries the wiring table generated from pinmap.json and wiring.json (run `npm run docs` after changing them)', () => {
    expect(readme()).toBe(withWiringTable(readme()));
    expect(readme()).toContain(renderWiringTable());
  });

  it('lists every signal with its GPIO on both boards in the table', () => {
    const table = readme().slice(readme().indexOf(TABLE_BEGIN), readme().indexOf(TABLE_END));
    for (const board of Object.values(HARDWARE.pinmap.boards)) {
      for (const [name, pin] of Object.entries(board.pins)) expect(table).toMatch(new RegExp(`\\| \`${name}\` \\|.*\\| ${pin.gpio} \\(`));
    }
  });

  it('states the example mechanics volume per microstep the firmware computes', () => {
    const m = readMechanics(mechanicsExample);
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(readme()).toContain(`${(m.value.flPerMicrostep / 1e6).toFixed(2)} nl`);
  });
});

describe('hardware/wiring*.svg', () => {
  it('are the diagrams generated from the pin map, byte for byte (run `npm run docs` after changing it)', () => {
    const svgs = renderAllWiringSvgs();
    expect([...svgs.keys()]).toEqual(['wiring.svg', 'wiring-esp32-s3-devkitc-1.svg']);
    for (const [name, svg] of svgs) expect(read(`hardware/${name}`), name).toBe(svg);
    const committed = readdirSync(join(ROOT, 'hardware')).filter((f) => /^wiring.*\.svg$/.test(f));
    expect(committed.sort()).toEqual([...svgs.keys()].sort());
  });

  it('label every signal with its GPIO, and are the same each time', () => {
    for (const [name, board] of Object.entries(HARDWARE.pinmap.boards)) {
      const svg = renderWiringSvg(name);
      expect(svg).toBe(renderWiringSvg(name));
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
      expect(svg.endsWith('</svg>\n')).toBe(true);
      for (const [signal, pin] of Object.entries(board.pins)) expect(svg).toMatch(new RegExp(`>${signal}( \\(active low\\))? — GPIO ${pin.gpio}<`));
      expect(svg.match(/<text /g)?.length).toBe(svg.match(/<\/text>/g)?.length);
    }
  });
});

describe('hardware/first-drop.prescription.json (the first-drop walkthrough)', () => {
  it('is accepted by the firmware and puts a drop (20 uL) at the outlet within 3 minutes, without an alarm', () => {
    const vp = createVirtualPump({ mechanics: mechanicsExample, library, prescription: firstDrop });
    vp.runFor(3 * 60_000);
    expect(vp.line.outletNl).toBeGreaterThan(20_000);
    expect(vp.events.filter((e) => e.type === 'alarm')).toEqual([]);
  });
});
