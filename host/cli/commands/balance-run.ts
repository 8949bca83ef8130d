// What the balance commands share (accuracy, occlusion-test, bolus-test, calibrate --balance):
// the balance options and connection, the run folder, the live progress line, and turning a
// run's outcome (a balance error, an abort, a pump refusal) into a numbered error and exit.

import type { Command } from 'commander';
import type { Progress as RunProgress, Scheduler } from '../../accuracy/interfaces';
import type { BalanceProtocolChoice } from '../../balance/select';
import { BALANCE_PROTOCOLS, connectBalance } from '../../balance/select';
import type { Balance } from '../../balance/types';
import type { LinePort } from '../../serial/line-port';
import { openLinePort, SerialError } from '../../serial/line-port';
import type { Context } from '../context';
import { duration } from '../format';
import { driverClock } from '../pump-control';
import type { ErrorRecord } from '../../errors';
import { errorFromRecord, HostError } from '../../errors';
import { cliError } from '../../errors/pumpctl';

export interface BalanceCliOptions {
  readonly balance: string;
  readonly balanceProtocol: string;
  readonly balanceBaud: string;
  readonly balanceTimeout: string;
  readonly settleTimeout: string;
  readonly out?: string;
}

/** The options every balance command takes. */
export function balanceOptions(cmd: Command, required = true): Command {
  const help = 'serial port of the lab balance (the virtual board prints its path)';
  return (required ? cmd.requiredOption('--balance <path>', help) : cmd.option('--balance <path>', help))
    .option('--balance-protocol <p>', `${BALANCE_PROTOCOLS.join('|')}`, 'auto')
    .option('--balance-baud <n>', 'baud rate of the balance', '9600')
    .option('--balance-timeout <ms>', 'how long one balance reply may take', '2000')
    .option('--settle-timeout <ms>', 'how long to wait for a stable reading before taking it marked unstable', '10000')
    .option('--out <dir>', 'run folder (default runs/<timestamp>-<test>)');
}

/** Opens the balance port and its driver on the run's clock; the caller closes the port. */
export async function openBalance(ctx: Context, o: BalanceCliOptions, scheduler: Scheduler): Promise<{ balance: Balance; port: LinePort }> {
  const protocol = o.balanceProtocol as BalanceProtocolChoice;
  if (!BALANCE_PROTOCOLS.includes(protocol)) throw cliError('USAGE', `--balance-protocol must be one of ${BALANCE_PROTOCOLS.join(', ')} (got "${o.balanceProtocol}")`);
  const baud = ctx.int('--balance-baud', o.balanceBaud, 300, 1_000_000);
  const replyTimeoutMs = ctx.int('--balance-timeout', o.balanceTimeout, 10, 600_000);
  const stableTimeoutMs = ctx.int('--settle-timeout', o.settleTimeout, 10, 600_000);
  let port: LinePort;
  try {
    port = await openLinePort(o.balance, { baud, binding: ctx.binding() });
  } catch (e) {
    if (e instanceof SerialError) throw cliError('PORT_OPEN', `the balance port: ${e.message}`);
    throw e;
  }
  try {
    const balance = await connectBalance(port, protocol, { clock: driverClock(scheduler), replyTimeoutMs, stableTimeoutMs, detectTimeoutMs: replyTimeoutMs });
    return { balance, port };
  } catch (e) {
    await port.close();
    throw e;
  }
}

/**
 * A run that did not complete, as the error it recorded (its code and message in the run
 * record, HostError.record()): an abort is exit 21 and says the partial data is written.
 */
export function recordedError(rec: { readonly error?: ErrorRecord; readonly reason?: string }): HostError {
  const e = rec.error && errorFromRecord(rec.error);
  if (!e) return cliError('USAGE', rec.reason ?? 'the run did not complete');
  return e.exitName === 'aborted' ? new HostError(e.spec, `${e.message} (partial data and report written)`) : e;
}

export function runDir(out: string | undefined, kind: string, now = new Date()): string {
  return out ?? `runs/${now.toISOString().slice(0, 19).replace(/:/g, '-')}-${kind}`;
}

/** Writes a run folder, a failure to write being a file error rather than a crash. */
export function writing<T>(dir: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    throw cliError('FILE_UNREADABLE', `cannot write the run folder ${dir}: ${(e as Error).message}`);
  }
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} %`);

/** The live view on stderr: a bar with elapsed, remaining, running error; marked samples on their own lines. */
export function liveView(ctx: Context, label: string, totalSamples?: number): (p: RunProgress) => void {
  const bar = ctx.progress(label);
  return (p) => {
    if (p.marks.length) {
      if (ctx.io.isTty && !ctx.json) ctx.io.stderr('\r\x1b[K');
      ctx.note(ctx.paint.warn(`${label}: sample ${p.samples - 1} at ${duration(p.elapsedMs)} marked: ${p.marks.join('; ')}`));
    }
    const extra = `${p.phase}, elapsed ${duration(p.elapsedMs)}, remaining ${duration(p.remainingMs)}${p.lastMassMg === null ? '' : `, ${p.lastMassMg.toFixed(1)} mg`}, running error ${pct(p.runningErrorPct)}, last interval ${pct(p.lastIntervalErrorPct)}`;
    // Counted in samples where the run has a fixed number, else in seconds of the expected time.
    if (totalSamples !== undefined) bar.update(Math.max(0, p.samples - 1), totalSamples, extra);
    else bar.update(Math.round(p.elapsedMs / 1000), Math.round((p.elapsedMs + p.remainingMs) / 1000), extra);
    if (p.remainingMs <= 0) bar.done();
  };
}

/** Temperature as a number of degrees (integer milli-degrees on the way in: no float parsing surprises). */
export function temperature(ctx: Context, value: string): number {
  return ctx.decimal('--temperature-c', value, 1000, 0, 40_000) / 1000;
}

export function evaporation(ctx: Context, value: string | undefined): number | undefined {
  return value === undefined ? undefined : ctx.decimal('--evaporation-mg-min', value, 1000, 0, 100_000) / 1000;
}

/** The overall word at the head of a procedure report ("# Occlusion test: FAIL"), so the exit follows the report. */
export function reportVerdict(report: string): string {
  return /^# [^:\n]+: (PASS|FAIL|INCONCLUSIVE)/.exec(report)?.[1] ?? 'INCONCLUSIVE';
}
