// The ESP32's GPIOs 34 to 39 are input-only and have no internal pull-up or pull-down
// resistors (ESP32 datasheet, "GPIO & RTC GPIO"; the SDK ignores the request). Opening them
// with a pull would only pretend: a line there needs its resistor on the board
// (hardware/README.md names them). This picks the mode for a pin: the pull asked for where the
// chip has one, plain Input on 34-39.

export const NO_INTERNAL_PULL_GPIOS: readonly number[] = [34, 35, 36, 37, 38, 39];

export function hasInternalPull(gpio: number): boolean {
  return !NO_INTERNAL_PULL_GPIOS.includes(gpio);
}

/** `pulled` (InputPullUp or InputPullDown) where the pin has pulls, else `Input`. */
export function inputMode<M>(Digital: { readonly Input: M }, gpio: number, pulled: M): M {
  return hasInternalPull(gpio) ? pulled : Digital.Input;
}
