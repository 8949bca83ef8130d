// Numbered errors of the balance drivers and the accuracy runs (E900-E999), one table so that
// pumpctl, the reports and docs/accuracy.md name the same codes with the same words.

export const BALANCE_ERRORS = {
  E900: { kind: 'not-answering', text: 'the balance does not answer (cable, baud rate, protocol setting, or the balance is off)' },
  E901: { kind: 'overload', text: 'the balance is overloaded (the load is above its capacity)' },
  E902: { kind: 'underload', text: 'the balance is in underload (pan removed, or zeroed with a load on it)' },
  E903: { kind: 'unstable-too-long', text: 'the reading did not become stable in time (draught, vibration, or liquid still moving)' },
  E904: { kind: 'error-syntax', text: 'the balance did not understand the command (ES: syntax error)' },
  E905: { kind: 'error-transmission', text: 'the balance received a garbled command (ET: transmission error, check baud rate and parity)' },
  E906: { kind: 'error-logic', text: 'the balance cannot run the command now (EL: logic error)' },
  E907: { kind: 'garbled', text: 'the balance sent a reply that cannot be read' },
  E908: { kind: 'busy', text: 'the balance could not carry out the command (busy, or stability not reached)' },
  E909: { kind: 'not-detected', text: 'no balance protocol answered (tried MT-SICS, Sartorius SBI and Ohaus)' },
  E910: { kind: 'unit', text: 'the balance reports in a unit that is not a mass (set it to g, mg or kg)' },
  E911: { kind: 'port-closed', text: 'the connection to the balance was lost' },
  E912: { kind: 'zero-refused', text: 'the balance refused to zero or tare (load outside the zero range, or unstable)' },
  E920: { kind: 'too-few-samples', text: 'too few samples for the analysis' },
  E921: { kind: 'bad-rate', text: 'the set rate must be a positive number' },
  E922: { kind: 'bad-interval', text: 'the sample interval must divide every observation window' },
  E923: { kind: 'bad-temperature', text: 'the water temperature is outside 0-40 deg C, where the density formula holds' },
  E930: { kind: 'pump-alarm', text: 'the pump raised an alarm during the run' },
  E931: { kind: 'aborted', text: 'the run was aborted; its partial data and report are kept' },
  E932: { kind: 'pump-refused', text: 'the pump refused the command' },
  E933: { kind: 'no-alarm', text: 'no occlusion alarm within the time allowed' },
  E934: { kind: 'balance-lost', text: 'the balance stopped answering for several samples in a row; the run was stopped' },
} as const;

export type BalanceErrorCode = keyof typeof BALANCE_ERRORS;
export type BalanceErrorKind = (typeof BALANCE_ERRORS)[BalanceErrorCode]['kind'];

/** A numbered balance or accuracy error; `detail` names the numbers or the raw reply involved. */
export class BalanceError extends Error {
  readonly code: BalanceErrorCode;
  readonly kind: BalanceErrorKind;
  readonly detail: string;
  constructor(code: BalanceErrorCode, detail = '') {
    const e = BALANCE_ERRORS[code];
    super(detail ? `${code} ${e.text}: ${detail}` : `${code} ${e.text}`);
    this.code = code;
    this.kind = e.kind;
    this.detail = detail;
  }
}

export function balanceError(code: BalanceErrorCode, detail = ''): BalanceError {
  return new BalanceError(code, detail);
}
