// How a command module adds its commands: `act` wraps an action with the context (global
// options, session, output) and turns every failure into a numbered error and exit status.

import { type Command } from 'commander';
import { type Context } from '../context';

// Commander passes the positional arguments, then the command's options, then the command.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Action = (ctx: Context, ...args: any[]) => Promise<void>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Act = (fn: Action) => (...args: any[]) => Promise<void>;
export type Register = (program: Command, act: Act) => void;
