// newcomer.readmeStepsFailing (issue 21): the README's "Five minutes with the virtual board"
// and "Dosing accuracy with a balance", and the hardware guide's "First drop", run as written,
// in order, against the virtual board, each shown output checked. The steps are read from the
// documents: the fenced block after a `<!-- walkthrough KIND key=value ... -->` comment runs.
//   board, pumpctl  `npm start -- ...` lines start a virtual board with those options;
//                   `export PUMP_PORT=... PUMPCTL_KEYS=...` and `./bin/pumpctl ...` lines run
//                   in process through pumpctl's own entry point (runPumpctl) on the board's
//                   port and keys (npm start's default paths, /tmp/pump-rig/..., are this
//                   board's), measurement runs on the board's clock;
//   file            the lines of a file a step before wrote (name=), in order, `...` any text.
// Keys: at=DURATION runs the board's clock to that board time first; watch-until=DURATION ends
// a `status --watch` there, as Ctrl-C would; fresh starts a new board first (the hardware
// guide's erased and flashed board). On a command line, text in backticks after `#` must
// appear within one line of the command's output (spaces squashed, `...` standing for any
// text), and `exit N` names its exit status (0 otherwise); on a board line, `about N mL` is
// what the board has delivered when its --for ends.
//
// What it proves: a tester who types these commands sees these outputs, on the virtual board.
// What it does not: the wall-clock pace ("2 h in 12 s"). The board runs on its manual clock
// (--speed N becomes --clock manual, time moved by the clock socket) with its time of day
// pinned to 08:00, so each run sees the same schedule step whatever the hour; the README shows
// no output that depends on either beyond what it says. The commands run against the virtual
// board, not a real one (hardware steps 2-7, 9 and 10 need hands), and the Set-up block (npm
// ci, npm test) is not run here.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { BoardClock, boardScheduler } from '../board/clock-client';
import type { SpawnedBoard } from '../board/spawn';
import { ROOT, spawnBoard } from '../board/spawn';
import { runPumpctl } from '../cli/pumpctl';
import { parseDuration } from '../sim/faults';

export const WALKTHROUGH_DOCS = ['README.md', 'hardware/README.md'] as const;

export interface WalkStep {
  readonly doc: string;
  /** 1-based line of the command (or of the block's first line, for a file). */
  readonly line: number;
  readonly kind: 'board' | 'pumpctl' | 'export' | 'file';
  /** The command as written, without its comment (a file step: the file's name). */
  readonly text: string;
  readonly exit: number;
  readonly shown: readonly string[];
  /** Board time (ms) to reach before this step. */
  readonly at?: number;
  /** `status --watch`: the board time at which it is interrupted. */
  readonly watchUntil?: number;
  readonly fresh?: boolean;
  /** A board step: delivered volume (mL) the document says it reaches when --for ends. */
  readonly aboutMl?: number;
  /** A file step: the lines shown. */
  readonly lines?: readonly string[];
}

export interface StepResult {
  readonly step: WalkStep;
  readonly ok: boolean;
  /** Why not, with what was seen. */
  readonly why: string;
}

const ms = (text: string, what: string): number => {
  const d = parseDuration(text);
  if (!d.ok) throw new Error(`walkthrough: ${what} "${text}" is not a duration such as 1h30m`);
  return d.ms;
};

/** The walkthrough's steps, from the documents as they stand. */
export function readWalkthrough(docs: readonly string[] = WALKTHROUGH_DOCS): WalkStep[] {
  const steps: WalkStep[] = [];
  for (const doc of docs) {
    const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*<!-- walkthrough (board|pumpctl|file)((?: [a-z-]+(?:=\S+)?)*) -->\s*$/.exec(lines[i]!);
      if (!m) continue;
      const kind = m[1] as 'board' | 'pumpctl' | 'file';
      const attrs = new Map<string, string>();
      for (const a of m[2]!.trim().split(/\s+/).filter(Boolean)) {
        const eq = a.indexOf('=');
        attrs.set(eq < 0 ? a : a.slice(0, eq), eq < 0 ? '' : a.slice(eq + 1));
      }
      let open = i + 1;
      while (open < lines.length && lines[open]!.trim() === '') open++;
      if (!/^\s*```/.test(lines[open] ?? '')) throw new Error(`${doc}:${i + 1}: a walkthrough comment must be followed by a fenced block`);
      const body: { text: string; line: number }[] = [];
      let close = open + 1;
      for (; close < lines.length && !/^\s*```/.test(lines[close]!); close++) body.push({ text: lines[close]!.trim(), line: close + 1 });
      i = close;
      const at = attrs.has('at') ? ms(attrs.get('at')!, `${doc}:${open}: at=`) : undefined;
      const watchUntil = attrs.has('watch-until') ? ms(attrs.get('watch-until')!, `${doc}:${open}: watch-until=`) : undefined;
      if (kind === 'file') {
        steps.push({ doc, line: open + 2, kind, text: attrs.get('name') ?? '?', exit: 0, shown: [], lines: body.map((b) => b.text), ...(at !== undefined && { at }) });
        continue;
      }
      // Join continued lines (a trailing backslash).
      const commands: { text: string; line: number }[] = [];
      for (const b of body) {
        const last = commands[commands.length - 1];
        if (last?.text.endsWith('\\')) last.text = `${last.text.slice(0, -1).trimEnd()} ${b.text}`;
        else if (b.text !== '') commands.push({ ...b });
      }
      commands.forEach((c, n) => {
        const hash = c.text.search(/\s#\s/);
        const command = (hash < 0 ? c.text : c.text.slice(0, hash)).trim();
        const comment = hash < 0 ? '' : c.text.slice(hash);
        const shown = [...comment.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
        const exit = Number(/\bexit (\d+)/.exec(comment)?.[1] ?? 0);
        const about = /about ([0-9.]+) mL/.exec(comment);
        const k = command.startsWith('npm start') ? 'board' : command.startsWith('export ') ? 'export' : 'pumpctl';
        steps.push({
          doc,
          line: c.line,
          kind: k,
          text: command,
          exit,
          shown,
          ...(n === 0 && at !== undefined && { at }),
          ...(n === 0 && attrs.has('fresh') && { fresh: true }),
          ...(/\bstatus\b.*--watch/.test(command) && watchUntil !== undefined && { watchUntil }),
          ...(about && { aboutMl: Number(about[1]) }),
        });
      });
    }
  }
  return steps;
}

/** Words of a command line (the documents quote nothing). */
const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** Collapses runs of spaces, as the eye does when it compares a table. */
const squash = (text: string): string => text.replace(/[ \t]+/g, ' ');

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The shown text within one line of the output, spaces squashed, `...` any text. */
const shows = (out: string, want: string): boolean => new RegExp(squash(want).split('...').map(escapeRegExp).join('[^\\n]*')).test(squash(out));

/** Each shown line, in order, somewhere among the actual ones; `...` within a line is any text. */
function matchLines(shown: readonly string[], actual: readonly string[]): string | undefined {
  let from = 0;
  for (const want of shown) {
    if (want === '...' || want === '') continue;
    const re = new RegExp(`^${want.split('...').map(escapeRegExp).join('.*')}$`);
    const at = actual.findIndex((l, i) => i >= from && re.test(l));
    if (at < 0) return `no line like "${want}" after line ${from} of ${actual.length}`;
    from = at + 1;
  }
  return undefined;
}

class Walk {
  readonly dir = mkdtempSync(join(tmpdir(), 'pump-walkthrough-'));
  board: SpawnedBoard | undefined;
  clock: BoardClock | undefined;
  boards = 0;
  env: Record<string, string> = {};
  readonly results: StepResult[] = [];

  async startBoard(args: readonly string[]): Promise<SpawnedBoard> {
    await this.stopBoard();
    this.boards++;
    const base = join(this.dir, `board${this.boards}`);
    // --speed paces the wall clock; here the board's clock moves only when a step says so.
    const kept: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--speed') i++;
      else kept.push(args[i]!);
    }
    this.board = await spawnBoard(['--link', join(base, 'ttyPUMP'), '--state', join(base, 'state'), '--clock', 'manual', '--time-of-day', '08:00', ...kept], { timeoutMs: 120_000 });
    this.clock = await BoardClock.open(this.board.ready.clockSocket!);
    return this.board;
  }

  async stopBoard(): Promise<void> {
    const b = this.board;
    this.board = undefined;
    this.clock?.close();
    this.clock = undefined;
    if (b && b.child.exitCode === null && b.child.signalCode === null) {
      b.child.kill('SIGTERM');
      await b.exited;
    }
    if (b) release(b);
  }

  /** A path under npm start's default folder, as this board has it. */
  rigPath(a: string): string {
    const r = this.board?.ready;
    if (!r || !a.startsWith('/tmp/pump-rig/')) return a;
    const name = a.slice('/tmp/pump-rig/'.length);
    if (name === 'ttyPUMP') return r.path;
    if (name === 'state/keys.json') return r.keys;
    const device = /^tty([A-Z]+)$/.exec(name)?.[1]?.toLowerCase();
    return (device && r.devices[device]) || a;
  }

  /** pumpctl in process, as `./bin/pumpctl` would run it with the exported variables. */
  run(args: readonly string[], interrupted?: Promise<void>): Running {
    let out = '';
    let wake: (() => void) | undefined;
    const write = (t: string): void => {
      out += t;
      wake?.();
    };
    // Relative files as a tester's shell in the repository has them; outputs in a scratch
    // folder; npm start's default paths (/tmp/pump-rig/...) are this board's.
    const argv = args.map((a, i) => (args[i - 1] === '--out' && !isAbsolute(a) ? join(this.dir, a) : /\.(ya?ml|json)$/.test(a) && !isAbsolute(a) ? join(ROOT, a) : this.rigPath(a)));
    // Measurement runs take their time from the board's clock, as the accuracy tests do.
    const clock = this.clock && boardScheduler(this.clock);
    let finished = false;
    const done = runPumpctl(argv, { stdout: write, stderr: write, env: { ...this.env }, isTty: false, ...(interrupted && { interrupted }), ...(clock && { clock }) }).then((code) => {
      finished = true;
      wake?.();
      return { code, out };
    });
    return {
      done,
      output: () => out,
      // Waits on output (or the end), checking again at least every second, up to a deadline.
      until: async (test: () => boolean, deadlineMs = 60_000): Promise<boolean> => {
        const deadline = Date.now() + deadlineMs;
        while (!test() && !finished && Date.now() < deadline) {
          await new Promise<void>((res) => {
            const t = setTimeout(res, 1_000);
            wake = () => {
              clearTimeout(t);
              res();
            };
          });
        }
        return test();
      },
    };
  }

  async step(s: WalkStep): Promise<string | undefined> {
    if (s.fresh || (s.kind !== 'board' && !this.board)) await this.startBoard([]);
    if (s.at !== undefined) await this.clock!.to(s.at);
    switch (s.kind) {
      case 'board':
        return this.boardStep(s);
      case 'export': {
        // The documents' paths are npm start's defaults or a real adapter: here, this board's.
        for (const [k] of words(s.text.slice('export '.length)).map((w) => w.split('='))) {
          if (k === 'PUMP_PORT') this.env[k] = this.board!.ready.path;
          else if (k === 'PUMPCTL_KEYS') this.env[k] = this.board!.ready.keys;
          else return `export of ${k}: the walkthrough knows PUMP_PORT and PUMPCTL_KEYS only`;
        }
        return undefined;
      }
      case 'pumpctl':
        return this.pumpctlStep(s);
      case 'file': {
        let text: string;
        try {
          text = readFileSync(join(this.dir, s.text), 'utf8');
        } catch (e) {
          return `${s.text} was not written (${(e as NodeJS.ErrnoException).code})`;
        }
        const lines = text.split('\n');
        const why = matchLines(s.lines ?? [], lines);
        return why && `${why}; the file: ${lines.slice(0, 20).join(' | ')}`;
      }
    }
  }

  async boardStep(s: WalkStep): Promise<string | undefined> {
    const w = words(s.text);
    const dash = w.indexOf('--');
    if (w[0] !== 'npm' || w[1] !== 'start') return `not an npm start line: ${s.text}`;
    const args = dash < 0 ? [] : w.slice(dash + 1);
    const board = await this.startBoard(args);
    this.env = { PUMP_PORT: board.ready.path, PUMPCTL_KEYS: board.ready.keys };
    const forAt = args.indexOf('--for');
    if (forAt < 0) return undefined;
    const forMs = ms(args[forAt + 1] ?? '', '--for');
    // Just before --for ends: what the board has delivered (the status line's figure).
    await this.clock!.to(forMs - 1_000);
    const status = await this.run(['--json', 'status']).done;
    if (status.code !== 0) return `status before --for ended: exit ${status.code}: ${status.out.trim()}`;
    const deliveredMl = (JSON.parse(status.out) as { deliveredNl: number }).deliveredNl / 1e6;
    await this.clock!.to(forMs + 1_000);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([board.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running 60 s after --for'), 60_000)))]);
    clearTimeout(timer);
    release(board);
    this.board = undefined;
    this.clock?.close();
    this.clock = undefined;
    if (code !== 0) return `npm start --for ended with ${code}`;
    if (s.aboutMl !== undefined && Math.abs(deliveredMl - s.aboutMl) > 0.1 * s.aboutMl) return `delivered ${deliveredMl.toFixed(3)} mL when --for ended, not about ${s.aboutMl} mL`;
    return undefined;
  }

  async pumpctlStep(s: WalkStep): Promise<string | undefined> {
    const w = words(s.text);
    const args = w[0] === './bin/pumpctl' || w[0] === 'pumpctl' ? w.slice(1) : w[0] === 'npm' && w[2] === 'pumpctl' ? w.slice(4) : undefined;
    if (!args) return `not a pumpctl line: ${s.text}`;
    let r: { code: number; out: string };
    if (s.watchUntil !== undefined) {
      // Live until Ctrl-C: its first status line, then the board's time runs to where the
      // document says to stop watching, and once what it says the watch shows is there (a
      // deadline, not a pause), the interrupt.
      let stop!: () => void;
      const h = this.run(args, new Promise<void>((res) => (stop = res)));
      await h.until(() => /delivered/.test(h.output()));
      await this.clock!.to(s.watchUntil);
      await h.until(() => s.shown.every((t) => shows(h.output(), t)));
      stop();
      r = await h.done;
    } else r = await this.run(args).done;
    if (r.code !== s.exit) return `exit ${r.code}, not ${s.exit}: ${r.out.trim().split('\n').slice(-3).join(' | ')}`;
    const missing = s.shown.filter((t) => !shows(r.out, t));
    if (missing.length) return `output lacks ${missing.map((t) => `"${t}"`).join(', ')}; it was: ${r.out.trim().split('\n').slice(0, 12).join(' | ')}`;
    return undefined;
  }

  async close(): Promise<void> {
    await this.stopBoard();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Lets go of an ended board's pipes: a process it started may hold them open a while after it
 * exits, and would keep this process (the bench) waiting for nothing.
 */
function release(b: SpawnedBoard): void {
  b.child.stdin?.destroy();
  b.child.stdout?.destroy();
  b.child.stderr?.destroy();
}

interface Running {
  readonly done: Promise<{ code: number; out: string }>;
  output(): string;
  until(test: () => boolean, deadlineMs?: number): Promise<boolean>;
}

/**
 * Runs every step in order on fresh virtual boards; a step that fails is reported and the walk
 * goes on (later steps may fail because of it: the first failure is the one to read).
 */
export async function runWalkthrough(o: { docs?: readonly string[]; log?: (line: string) => void } = {}): Promise<StepResult[]> {
  const walk = new Walk();
  try {
    for (const step of readWalkthrough(o.docs)) {
      let why: string | undefined;
      try {
        why = await walk.step(step);
      } catch (e) {
        why = `threw: ${(e as Error).message}`;
      }
      walk.results.push({ step, ok: why === undefined, why: why ?? '' });
      o.log?.(`${why === undefined ? 'ok  ' : 'FAIL'} ${step.doc}:${step.line} ${step.text}${why ? `\n     ${why}` : ''}`);
    }
    return walk.results;
  } finally {
    await walk.close();
  }
}

/** The bench's figures: steps run, and how many of them failed (target 0). */
export async function benchNewcomer(): Promise<Record<string, number>> {
  const results = await runWalkthrough({ log: (l) => console.log(`newcomer: ${l}`) });
  return {
    'newcomer.readmeSteps': results.length,
    'newcomer.readmeStepsFailing': results.filter((r) => !r.ok).length,
  };
}
