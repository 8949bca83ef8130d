// The two end-stop switches: syringe empty (the pusher at the end of the barrel) and plunger
// home (fully retracted). Levels are read when asked; edges on either only tell the app to
// look again, since ESP32 edge callbacks collapse and may arrive after a bounce has settled.

import type { DigitalInput, DigitalInputConstructor, InputPin } from '../ports/io';
import type { EndStopsPort } from '../ports/sensors';

export interface EndStopsOptions {
  Digital: DigitalInputConstructor;
  /**
   * activeLow (the default) suits a switch to ground, read with the pull-up on; active-high
   * inputs get the pull-down, so an unwired input reads inactive either way.
   */
  pins: { syringeEmpty: InputPin; plungerHome: InputPin };
}

interface Line {
  readonly input: DigitalInput;
  readonly activeLevel: 0 | 1;
}

export class EndStops implements EndStopsPort {
  onChange: (() => void) | undefined = undefined;

  readonly #empty: Line;
  readonly #home: Line;

  constructor(options: EndStopsOptions) {
    this.#empty = this.#open(options.Digital, options.pins.syringeEmpty);
    this.#home = this.#open(options.Digital, options.pins.plungerHome);
  }

  get syringeEmpty(): boolean {
    return this.#empty.input.read() === this.#empty.activeLevel;
  }

  get plungerHome(): boolean {
    return this.#home.input.read() === this.#home.activeLevel;
  }

  close(): void {
    this.#empty.input.close();
    this.#home.input.close();
  }

  #open(Digital: DigitalInputConstructor, pin: InputPin): Line {
    const activeLow = pin.activeLow ?? true;
    const input = new Digital({
      pin: pin.gpio,
      mode: activeLow ? Digital.InputPullUp : Digital.InputPullDown,
      edge: Digital.Rising | Digital.Falling,
      onReadable: () => this.onChange?.(),
    });
    return { input, activeLevel: activeLow ? 0 : 1 };
  }
}
