// The pumpctl executable: real stdin/stdout, the real serial binding, Ctrl-C handling.

import { createInterface } from 'node:readline/promises';
import { runPumpctl } from './pumpctl';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
});

const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;

const code = await runPumpctl(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  isTty: process.stdout.isTTY === true,
  interrupted,
  ...(tty && {
    confirm: async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
  }),
});
process.exit(code);
