// Numbered errors of the balance drivers and the accuracy runs (E900-E999), one table so that
// pumpctl, the reports and docs/accuracy.md name the same codes with the same words. A balance
// error's message opens with its meaning (lower-case, as a clause) and adds the detail: the
// numbers or the raw reply involved.

import { HostError, errorTable } from './host-error';

export const BALANCE_ERRORS = errorTable({
  NOT_ANSWERING: {
    code: 900,
    exit: 'balance',
    meaning: 'The balance does not answer (cable, baud rate, protocol setting, or the balance is off).',
    action: "Check the cable, --balance-baud and the balance's interface settings; switch it on.",
  },
  OVERLOAD: { code: 901, exit: 'balance', meaning: 'The balance is overloaded (the load is above its capacity).', action: 'Use a lighter beaker or a balance of larger capacity.' },
  UNDERLOAD: { code: 902, exit: 'balance', meaning: 'The balance is in underload (pan removed, or zeroed with a load on it).', action: 'Put the pan back, or zero it empty.' },
  UNSTABLE_TOO_LONG: {
    code: 903,
    exit: 'balance',
    meaning: 'The reading did not become stable in time (draught, vibration, or liquid still moving).',
    action: 'Close the draught shield, put the balance on a steady table, or raise --settle-timeout.',
  },
  ERROR_SYNTAX: { code: 904, exit: 'balance', meaning: 'The balance did not understand the command (ES: syntax error).', action: 'Check --balance-protocol against what the balance speaks.' },
  ERROR_TRANSMISSION: {
    code: 905,
    exit: 'balance',
    meaning: 'The balance received a garbled command (ET: transmission error, check baud rate and parity).',
    action: "Match --balance-baud and the balance's parity (8N1).",
  },
  ERROR_LOGIC: { code: 906, exit: 'balance', meaning: 'The balance cannot run the command now (EL: logic error).', action: 'Leave any menu open on the balance, and run again.' },
  GARBLED: { code: 907, exit: 'balance', meaning: 'The balance sent a reply that cannot be read.', action: 'Check the baud rate and the protocol; close any other program on the port.' },
  BUSY: {
    code: 908,
    exit: 'balance',
    meaning: 'The balance could not carry out the command (busy, or stability not reached).',
    action: 'Wait for the balance to settle and run again.',
  },
  NOT_DETECTED: {
    code: 909,
    exit: 'balance',
    meaning: 'No balance protocol answered (tried MT-SICS, Sartorius SBI and Ohaus).',
    action: 'Give --balance-protocol and --balance-baud as set on the balance, and check the cable.',
  },
  UNIT: { code: 910, exit: 'balance', meaning: 'The balance reports in a unit that is not a mass (set it to g, mg or kg).', action: "Set the balance's unit to g." },
  PORT_CLOSED: { code: 911, exit: 'balance', meaning: 'The connection to the balance was lost.', action: 'Check the cable (a USB adapter that was unplugged) and run again.' },
  ZERO_REFUSED: {
    code: 912,
    exit: 'balance',
    meaning: 'The balance refused to zero or tare (load outside the zero range, or unstable).',
    action: 'Empty the pan to within its zero range, let it settle, and run again.',
  },
  TOO_FEW_SAMPLES: { code: 920, exit: 'balance', meaning: 'Too few samples for the analysis.', action: 'Run longer, or with a shorter sample interval.' },
  BAD_RATE: { code: 921, exit: 'balance', meaning: 'The set rate must be a positive number.', action: 'Give a rate above 0.' },
  BAD_INTERVAL: { code: 922, exit: 'balance', meaning: 'The sample interval must divide every observation window.', action: 'Choose an interval that divides each window (docs/accuracy.md).' },
  BAD_TEMPERATURE: {
    code: 923,
    exit: 'balance',
    meaning: 'The water temperature is outside 0-40 deg C, where the density formula holds.',
    action: 'Give the temperature of the water in deg C (--temperature-c).',
  },
  PUMP_ALARM: {
    code: 930,
    exit: 'aborted',
    meaning: 'The pump raised an alarm during the run; its partial data and report are kept.',
    action: 'See the alarm in the report, fix its cause, acknowledge it and run again.',
  },
  ABORTED: { code: 931, exit: 'aborted', meaning: 'The run was aborted; its partial data and report are kept.', action: 'Run again when ready.' },
  PUMP_REFUSED: { code: 932, exit: 'refused', meaning: 'The pump refused the command.', action: "Look up the pump's own code that follows in docs/errors.md." },
  NO_ALARM: {
    code: 933,
    exit: 'tolerance',
    meaning: 'No occlusion alarm within the time allowed.',
    action: "Check that the line is really blocked (the stopcock) and the pump's occlusion settings.",
  },
  BALANCE_LOST: {
    code: 934,
    exit: 'balance',
    meaning: 'The balance stopped answering for several samples in a row; the run was stopped.',
    action: 'Check the balance and its cable, and run again.',
  },
});

export type BalanceErrorName = keyof typeof BALANCE_ERRORS;

/** "the balance is overloaded (...): S +": the meaning as a clause, then the detail. */
export function balanceError(name: BalanceErrorName, detail = ''): HostError {
  const spec = BALANCE_ERRORS[name];
  const words = spec.meaning.replace(/\.$/, '');
  const lead = words[0]!.toLowerCase() + words.slice(1);
  return new HostError(spec, detail ? `${lead}: ${detail}` : lead);
}

/** A balance error (of `name`, if given). */
export const isBalanceError = (e: unknown, name?: BalanceErrorName): e is HostError =>
  e instanceof HostError && e.code >= 900 && e.code <= 999 && (name === undefined || e.code === BALANCE_ERRORS[name].code);
