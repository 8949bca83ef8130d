// Stepper drivers broken on purpose, for the dose guard's tests, bench and parity scenarios
// (VirtualPumpOptions.wrapStepper): the controller talks to the wrapper, while the rig still
// counts what really reaches the STEP line. No Node APIs: bundled into XS too.

import type { PulseStepper } from '../../firmware/drivers/pulse-stepper';
import type { Direction, StepperPort } from '../../firmware/ports/stepper';

/** The driver with some of its port overridden (`position` too, as a getter). */
export function brokenDriver(patch: (d: PulseStepper) => Partial<StepperPort>): (d: PulseStepper) => StepperPort {
  return (d) => {
    const p = patch(d);
    const reports = Object.getOwnPropertyDescriptor(p, 'position') !== undefined;
    return {
      enable: p.enable ?? ((on) => d.enable(on)),
      setDirection: p.setDirection ?? ((dir) => d.setDirection(dir)),
      run: p.run ?? ((s) => d.run(s)),
      stop: p.stop ?? (() => d.stop()),
      get busy() {
        return d.busy;
      },
      get position() {
        return reports ? p.position! : d.position;
      },
      get onFault() {
        return d.onFault;
      },
      set onFault(f) {
        d.onFault = f;
      },
      get faultActive() {
        return d.faultActive;
      },
      get stallActive() {
        return d.stallActive;
      },
    };
  };
}

/** A driver that, once `on()` says so, runs at 2 kHz for ever and ignores stop(). */
export function runawayDriver(on: () => boolean): (d: PulseStepper) => StepperPort {
  return brokenDriver((d) => ({ run: (s) => d.run(on() ? { count: 10_000_000, intervalUs: 500 } : s), stop: () => (on() ? undefined : d.stop()) }));
}

/** A driver that reports a third of the steps it makes. */
export const underReportingDriver = brokenDriver((d) => ({
  get position() {
    return Math.floor(d.position / 3);
  },
}));

/** A driver that, while `stuck()` says so, emits no reverse pulses: an occlusion back-off never runs. */
export function stuckInReverseDriver(stuck: () => boolean): (d: PulseStepper) => StepperPort {
  return brokenDriver((d) => {
    let direction: Direction = 1;
    return {
      setDirection: (dir) => {
        direction = dir;
        d.setDirection(dir);
      },
      run: (s) => (stuck() && direction === -1 ? undefined : d.run(s)),
    };
  });
}
