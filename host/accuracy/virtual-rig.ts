// The whole accuracy bench in process: a virtual pump (firmware on the virtual rig), a virtual
// balance weighing what leaves the line's outlet, one of the three balance protocols between
// the driver and the emulator, and the PumpControl / Scheduler / Stopcock the procedures
// take, all on the pump's virtual clock. Tests and `npm run bench` use it; pumpctl runs the
// same procedures over real serial ports instead.

import library from '../../firmware/app/examples/library.example.json';
import mechanics from '../../firmware/app/examples/mechanics.example.json';
import { formatError } from '../../firmware/core/errors';
import type { VirtualTime } from '../balance/device-line-port';
import { DeviceLinePort, virtualDriverClock } from '../balance/device-line-port';
import { createBalance } from '../balance/select';
import type { Balance, BalanceProtocol } from '../balance/types';
import type { VirtualBalanceOptions } from '../balance/virtual-balance';
import { VirtualBalance } from '../balance/virtual-balance';
import { MtSicsEmulator } from '../balance/virtual-mt-sics';
import { OhausEmulator } from '../balance/virtual-ohaus';
import { SbiEmulator } from '../balance/virtual-sbi';
import type { SerialDevice } from '../serial/device';
import type { VirtualPump, VirtualPumpOptions } from '../sim/virtual-pump';
import { createVirtualPump } from '../sim/virtual-pump';
import type { PumpControl, Scheduler, Stopcock } from './interfaces';

const WATER = { name: 'water-bench', concentrationUgPerMl: 1_000_000 };
/**
 * The balance follows its load between reads as if it changed linearly (virtual-balance.ts), so
 * time moves on in steps no longer than this with the balance brought along at each: over a
 * 15 min wait with no read (a calibration) a straight line from start to end left the display
 * lagging by rate x settling time, 1.4 mg on a 1 mL calibration at 6 mL/h, long after the flow
 * had stopped. 30 s, the accuracy run's interval: its reads already come that often, so its
 * figures are the same as before the steps, and a step holds 20 settling times.
 */
const BALANCE_STEP_MS = 30_000;

export interface VirtualAccuracyRigOptions {
  readonly protocol?: BalanceProtocol;
  /** Overrides for the virtual pump (default: the example mechanics and library, no prescription). */
  readonly pump?: Partial<VirtualPumpOptions>;
  readonly balance?: Omit<VirtualBalanceOptions, 'deliveredNl' | 'startMs'>;
  /** Driver timeouts, ms of virtual time. */
  readonly stableTimeoutMs?: number;
}

export interface VirtualAccuracyRig {
  readonly vp: VirtualPump;
  readonly virtualBalance: VirtualBalance;
  readonly device: SerialDevice;
  readonly port: DeviceLinePort;
  readonly balance: Balance;
  readonly pump: PumpControl;
  readonly scheduler: Scheduler;
  readonly stopcock: Stopcock;
  readonly time: VirtualTime;
}

export function createVirtualAccuracyRig(o: VirtualAccuracyRigOptions = {}): VirtualAccuracyRig {
  const vp = createVirtualPump({ mechanics, library, reservoirNl: 10_000_000, keepEvents: false, ...o.pump });
  const virtualBalance = new VirtualBalance({
    ...o.balance,
    startMs: vp.nowMs,
    deliveredNl: (now) => {
      vp.line.advanceTo(now);
      return vp.line.outletNl;
    },
  });
  const protocol = o.protocol ?? 'mt-sics';
  const device: SerialDevice = protocol === 'mt-sics' ? new MtSicsEmulator(virtualBalance) : protocol === 'sbi' ? new SbiEmulator(virtualBalance) : new OhausEmulator(virtualBalance);
  const advance = (ms: number): void => {
    const end = vp.nowMs + ms;
    while (vp.nowMs < end) {
      vp.runFor(Math.min(BALANCE_STEP_MS, end - vp.nowMs));
      virtualBalance.trueMassMg(vp.nowMs);
    }
  };
  const time: VirtualTime = {
    nowMs: () => vp.nowMs,
    advance,
  };
  const port = new DeviceLinePort(device, time, { path: `virtual-${protocol}` });
  const balance = createBalance(port, protocol, { clock: virtualDriverClock(time), ...(o.stableTimeoutMs !== undefined && { stableTimeoutMs: o.stableTimeoutMs }) });
  const c = vp.controller;
  const pump: PumpControl = {
    program: (rx) => {
      const r = c.program({ name: rx.name ?? 'accuracy', drug: WATER, mode: 'continuous', rateNlPerDay: Math.round(rx.rateNlPerH * 24) }, { overrideSoftLimits: true, confirmLargeIncrease: true });
      if (!r.ok) return Promise.reject(new Error(formatError(r.error)));
      if (c.status().state === 'paused') c.resume();
      return Promise.resolve();
    },
    stop: () => {
      c.pause();
      return Promise.resolve();
    },
    status: () => {
      const s = c.status();
      return Promise.resolve({ state: s.state, deliveredNl: s.deliveredNl, alarms: s.alarms.map((a) => ({ code: a.code, name: a.name, detail: a.detail })) });
    },
    alarms: () => Promise.resolve(c.status().alarms.map((a) => ({ code: a.code, name: a.name, detail: a.detail }))),
    bolus: (volumeNl, durationMs) => {
      const r = c.clinicianBolus({ volumeNl, durationMs, overrideSoftLimits: true });
      return r.ok ? Promise.resolve() : Promise.reject(new Error(formatError(r.error)));
    },
  };
  const scheduler: Scheduler = {
    now: () => vp.nowMs,
    sleepUntil: (ms) => {
      if (ms > vp.nowMs) advance(ms - vp.nowMs);
      return Promise.resolve();
    },
  };
  const stopcock: Stopcock = {
    close: () => {
      vp.line.occlude(vp.nowMs);
      return Promise.resolve();
    },
    open: () => {
      vp.line.release(vp.nowMs);
      return Promise.resolve();
    },
  };
  return { vp, virtualBalance, device, port, balance, pump, scheduler, stopcock, time };
}
