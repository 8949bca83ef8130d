// The common face of every lab balance driver (MT-SICS, Sartorius SBI, Ohaus) and the virtual
// ones: the accuracy runs only ever see this interface.

export interface Reading {
  /** Net mass in mg, exact to the balance's last digit (parsed from the decimal text, never via a float in g). */
  readonly massMg: number;
  readonly stable: boolean;
  /** The line the balance sent, as received. */
  readonly raw: string;
}

export type BalanceProtocol = 'mt-sics' | 'sbi' | 'ohaus';

/** Every method rejects with a balance HostError (host/errors/balance.ts) naming what went wrong. */
export interface Balance {
  readonly protocol: BalanceProtocol | 'direct';
  /** A stable reading; E903 when the balance cannot settle in time. */
  readStable(): Promise<Reading>;
  /** The reading now, stable or not. */
  readImmediate(): Promise<Reading>;
  zero(): Promise<void>;
  tare(): Promise<void>;
  serialNumber(): Promise<string>;
}

/** Time for the drivers that must wait between polls (SBI has no "send when stable" command). */
export interface DriverClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: DriverClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface DriverOptions {
  /** Longest wait for a reply to a plain command, ms (default 2000). */
  readonly replyTimeoutMs?: number;
  /** Longest wait for a stable reading, ms (default 10000). */
  readonly stableTimeoutMs?: number;
  readonly clock?: DriverClock;
}
