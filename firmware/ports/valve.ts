// The line valve: a normally-closed pinch valve on the tubing that the app opens only while the
// motor runs. Normally closed means de-energised is closed, so a reset, a brown-out, a crash or
// a power cut pinches the line shut without any code running (docs/safety.md, "Free flow").

export interface ValvePort {
  /** Energise the coil: the line opens. Does nothing if it is already open. */
  open(): void;
  /** De-energise the coil: the spring pinches the line shut. Does nothing if already closed. */
  close(): void;
  /** True while the coil is energised (commanded open); the valve needs tens of ms to follow. */
  readonly isOpen: boolean;
}
