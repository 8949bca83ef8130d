// What an NE-1000 keeps in memory across power cycles, and this rig keeps in its NVS record
// (mode-record.ts): address, baud rate, the phase-1 rate and volume with their units, the
// syringe diameter a client declared, and the accepted-but-idle set-up values. Safe mode is
// not kept: every boot starts in basic mode, and a client turns safe mode on with SAF.

import type { RateUnits, VolumeUnits } from './numbers';
import { defaultVolumeUnits, RATE_UNITS, VOLUME_UNITS } from './numbers';

export const BAUDS = [19_200, 9_600, 2_400, 1_200, 300] as const;
export const TRIGGERS = ['FT', 'FH', 'F2', 'LE', 'ST', 'T2', 'SP', 'P2', 'RL', 'RH', 'SL', 'SH'] as const;

export interface NeSettings {
  readonly address: number;
  readonly baud: number;
  /** Thousandths of a mm. */
  readonly diameterMilli: number;
  readonly rateMilli: number;
  readonly rateUnits: RateUnits;
  /** The "Volume to be Dispensed" in nl: 0 pumps until stopped. */
  readonly volumeNl: number;
  readonly volumeUnits: VolumeUnits;
  readonly trigger: string;
  readonly alarmBuzzer: number;
  readonly keyBeep: number;
  readonly lowNoise: number;
  readonly buzzer: number;
}

/** A new pump: address 0 at 19200 baud (the manual's defaults), 1 mL/h, no volume target. */
export function defaultSettings(diameterMilli: number): NeSettings {
  return {
    address: 0,
    baud: 19_200,
    diameterMilli,
    rateMilli: 1_000,
    rateUnits: 'MH',
    volumeNl: 0,
    volumeUnits: defaultVolumeUnits(diameterMilli),
    trigger: 'FT',
    alarmBuzzer: 0,
    keyBeep: 0,
    lowNoise: 0,
    buzzer: 0,
  };
}

const int = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Stored settings checked field by field; anything wrong keeps the default for that field. */
export function readSettings(v: unknown, defaults: NeSettings): NeSettings {
  if (typeof v !== 'object' || v === null) return defaults;
  const s = v as Record<string, unknown>;
  const pick = <T>(ok: boolean, value: unknown, fallback: T): T => (ok ? (value as T) : fallback);
  return {
    address: pick(int(s['address'], 0, 99), s['address'], defaults.address),
    baud: pick((BAUDS as readonly unknown[]).includes(s['baud']), s['baud'], defaults.baud),
    diameterMilli: pick(int(s['diameterMilli'], 100, 50_000), s['diameterMilli'], defaults.diameterMilli),
    rateMilli: pick(int(s['rateMilli'], 1, 9_999_000), s['rateMilli'], defaults.rateMilli),
    rateUnits: pick((RATE_UNITS as readonly unknown[]).includes(s['rateUnits']), s['rateUnits'], defaults.rateUnits),
    volumeNl: pick(int(s['volumeNl'], 0, 9_999_000_000), s['volumeNl'], defaults.volumeNl),
    volumeUnits: pick((VOLUME_UNITS as readonly unknown[]).includes(s['volumeUnits']), s['volumeUnits'], defaults.volumeUnits),
    trigger: pick((TRIGGERS as readonly unknown[]).includes(s['trigger']), s['trigger'], defaults.trigger),
    alarmBuzzer: pick(int(s['alarmBuzzer'], 0, 1), s['alarmBuzzer'], defaults.alarmBuzzer),
    keyBeep: pick(int(s['keyBeep'], 0, 1), s['keyBeep'], defaults.keyBeep),
    lowNoise: pick(int(s['lowNoise'], 0, 1), s['lowNoise'], defaults.lowNoise),
    buzzer: pick(int(s['buzzer'], 0, 1), s['buzzer'], defaults.buzzer),
  };
}
