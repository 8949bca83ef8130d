// The other inputs the safety checks use: plunger force (a load cell through an HX711-style
// amplifier, where fitted), the battery voltage (ADC through a divider) and the end-stops.

export type ForceRead = { readonly ok: true; readonly forceMilliNewton: number } | { readonly ok: false; readonly fault: 'no-answer' | 'implausible'; readonly detail: string };

export interface ForceSensorPort {
  /** The latest force on the plunger, tared so an unloaded pusher reads about 0. */
  read(): ForceRead;
}

export interface BatteryPort {
  /** Battery voltage in millivolts (the divider ratio already applied). */
  readMillivolts(): number;
}

export interface EndStopsPort {
  /** The plunger has reached the end of the syringe barrel. */
  readonly syringeEmpty: boolean;
  /** The pusher is fully retracted (home). */
  readonly plungerHome: boolean;
  /** Called when either input changes (edge interrupts collapse: read the state again). */
  onChange: (() => void) | undefined;
}
