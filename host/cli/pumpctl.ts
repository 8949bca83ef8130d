// pumpctl: one command-line tool for a pump on a serial port, a real board over USB or the
// virtual board on a pseudo-terminal alike. This file builds the command tree and turns every
// failure into "E8xx NAME: message" and a documented exit status (host/errors/, docs/pumpctl.md).

import { Command, CommanderError } from 'commander';
import { registerAccuracy } from './commands/accuracy';
import { registerBolusTest } from './commands/bolus-test';
import { registerCalibrate } from './commands/calibrate';
import { registerDelivery } from './commands/delivery';
import { registerKeys } from './commands/keys';
import { registerLog } from './commands/log';
import { registerOcclusionTest } from './commands/occlusion-test';
import { registerPlot } from './commands/plot';
import { registerPorts } from './commands/ports';
import { registerProgram } from './commands/program';
import type { Act } from './commands/register';
import { registerServe } from './commands/serve';
import { registerStation } from './commands/station';
import { registerStatus } from './commands/status';
import type { GlobalOptions, Io } from './context';
import { Context } from './context';
import { EXIT, HostError } from '../errors';

export const REGISTER = [
  registerPorts,
  registerStatus,
  registerProgram,
  registerDelivery,
  registerLog,
  registerPlot,
  registerKeys,
  registerCalibrate,
  registerAccuracy,
  registerOcclusionTest,
  registerBolusTest,
  registerServe,
  registerStation,
];

export function buildProgram(io: Io, onExit: (code: number) => void): Command {
  const program = new Command('pumpctl')
    .description('Drive the syringe-pump bench rig (a real board or the virtual one) over its serial programming protocol. A bench and teaching rig, never a medical device.')
    .option('-p, --port <path>', 'serial port (default: $PUMP_PORT)')
    .option('-b, --baud <rate>', 'baud rate', '115200')
    .option('-k, --keys <file>', 'role key file, JSON (default: $PUMPCTL_KEYS; or PUMP_KEY_<ROLE> variables)')
    .option('--json', 'machine-readable output: one JSON document per result')
    .option('--timeout <ms>', 'how long one reply may take', '3000')
    .option('--reconnect <ms>', 'how long to wait for a board that went away', '15000')
    .option('--no-color', 'no colours')
    .option('--time-scale <n>', "measurement runs: the board runs n times real time (the virtual board's --speed); intervals and durations are in the board's time", '1')
    .showHelpAfterError('(pumpctl --help lists the commands)')
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // Commander's own complaints (unknown command or option) get the usage error's number too.
      outputError: (text, write) => write(`pumpctl: E800 USAGE: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride();

  const act: Act =
    (fn) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const ctx = new Context(cmd.optsWithGlobals() as GlobalOptions, io);
      try {
        await fn(ctx, ...args.slice(0, -1));
        onExit(EXIT.ok);
      } finally {
        await ctx.close().catch(() => undefined);
      }
    };
  for (const register of REGISTER) register(program, act);
  return program;
}

/** Runs pumpctl with `argv` (without node and script); resolves to the exit status. */
export async function runPumpctl(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are not failures; anything else commander refuses is usage.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const err = e instanceof HostError ? e : undefined;
    if (!err) {
      io.stderr(`pumpctl: internal error: ${(e as Error).stack ?? String(e)}\n`);
      return EXIT.internal;
    }
    if (argv.includes('--json'))
      io.stdout(`${JSON.stringify({ error: { code: err.code, name: err.errorName, message: err.message, ...(err.pumpCode !== undefined && { pumpCode: err.pumpCode }) } })}\n`);
    io.stderr(`pumpctl: ${err.text}\n`);
    return err.exitCode;
  }
}
