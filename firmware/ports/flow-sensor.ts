// A liquid flow sensor in the line between the syringe and the catheter (Sensirion SF06-LF
// over I2C, or a pulse-output sensor measured by period). The app samples it on a timer; the
// core compares what it measures with what the plunger was commanded to push.

export interface FlowSample {
  /** Flow through the sensor, nanolitres per minute (signed: negative is backwards). */
  readonly flowNlPerMin: number;
  /** Liquid temperature in hundredths of a degree C, where the sensor reports it. */
  readonly temperatureCentiC: number | undefined;
  /** SF06 flag bit 0: the sensor sees air. */
  readonly airInLine: boolean;
  /** SF06 flag bit 1: flow above the sensor's range. */
  readonly highFlow: boolean;
}

/** Why a read gave no usable sample. None of these may feed a detector. */
export type FlowFaultKind = 'no-answer' | 'crc' | 'implausible' | 'not-started';

export type FlowRead = { readonly ok: true; readonly sample: FlowSample } | { readonly ok: false; readonly fault: FlowFaultKind; readonly detail: string };

export interface FlowSensorPort {
  /** Model name for logs, e.g. "SLF3S-0600F". */
  readonly model: string;
  /** Largest flow the sensor measures, nl/min (readings beyond it are implausible). */
  readonly fullScaleNlPerMin: number;
  /** Starts continuous measurement; the first sample is valid after the sensor's warm-up. */
  start(): void;
  stop(): void;
  /** The latest measurement. Never throws: a bus error or bad CRC comes back as a fault. */
  read(): FlowRead;
}
