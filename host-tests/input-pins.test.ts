// GPIOs 34-39 have no internal pulls on the ESP32: the drivers open them as plain inputs
// (the board's resistor holds the line) and keep the pull everywhere else.
import { describe, expect, it } from 'vitest';
import { hasInternalPull, inputMode } from '../firmware/drivers/input-pins';
import { Hx711Force } from '../firmware/drivers/hx711';

const modes = { Input: 'in', InputPullUp: 'up', InputPullDown: 'down', Output: 'out' } as const;

describe('input pins without internal pulls', () => {
  it('34-39 get plain Input, others the pull asked for', () => {
    for (const g of [34, 35, 36, 37, 38, 39]) expect([hasInternalPull(g), inputMode(modes, g, modes.InputPullUp)]).toEqual([false, 'in']);
    for (const g of [0, 4, 25, 33]) expect(inputMode(modes, g, modes.InputPullDown)).toBe('down');
  });

  it('the HX711 opens DOUT on GPIO 35 without a pull, on GPIO 25 with one', () => {
    const opened: { pin: number; mode: unknown }[] = [];
    class FakeDigital {
      static Input = modes.Input;
      static InputPullUp = modes.InputPullUp;
      static Output = modes.Output;
      constructor(o: { pin: number; mode: unknown }) {
        opened.push(o);
      }
      read(): number {
        return 1;
      }
      write(): void {}
      close(): void {}
    }
    const ticks = {
      get ticks() {
        return 0;
      },
    };
    for (const dout of [35, 25]) new Hx711Force({ Digital: FakeDigital as never, pins: { sck: 26, dout }, ticks: ticks as never, scaleMilliNewtonPerCount: 1 });
    expect(opened.filter((o) => o.pin === 35 || o.pin === 25).map((o) => [o.pin, o.mode])).toEqual([
      [35, 'in'],
      [25, 'up'],
    ]);
  });
});
