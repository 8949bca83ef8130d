// How a command module adds its commands: `act` wraps an action with the context (global
// options, session, output) and turns every failure into a numbered error and exit status.

import type { Command } from 'commander';
import type { Context } from '../context';

// Commander passes the positional arguments, then the command's options, then the command.
// biome-ignore lint/suspicious/noExplicitAny: commander types each action by its own arguments and options
export type Action = (ctx: Context, ...args: any[]) => Promise<void>;
// biome-ignore lint/suspicious/noExplicitAny: commander types each action by its own arguments and options
export type Act = (fn: Action) => (...args: any[]) => Promise<void>;
export type Register = (program: Command, act: Act) => void;
