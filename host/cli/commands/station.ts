// pumpctl station: the test station (docs/station.md). `station run` takes boards (--board
// PORT,balance=PATH,id=ID ... repeatable) or starts a virtual batch (--virtual N), runs them
// all at once with a live table on stderr, and records every step in the results database;
// `station report` lists boards and their latest verdicts, exports CSV, or shows a board's history.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StationDb } from '../../station/db';
import { checkImage, createFlasher } from '../../station/flasher';
import { KeyStore } from '../../station/keystore';
import { LiveTable } from '../../station/live';
import { terminalOperator } from '../../station/operator';
import { DEFAULT_PROFILE, readProfile } from '../../station/profile';
import { boardHistory, exportCsv, latestVerdicts } from '../../station/report';
import { runStation } from '../../station/run';
import { checkDistinct, parseBoardSpec } from '../../station/target';
import type { VirtualBatch } from '../../station/virtual';
import { batchRigs, startVirtualBatch } from '../../station/virtual';
import type { Context } from '../context';
import { runTime } from '../pump-control';
import type { Register } from './register';
import { stationError } from '../../errors/station';

/** Rows as aligned columns (plain text, for a terminal or a log). */
function table(rows: readonly (readonly string[])[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ')).join('\n');
}

interface RunOptions {
  readonly board: string[];
  readonly virtual?: string;
  readonly db: string;
  readonly out: string;
  readonly profile?: string;
  readonly operator: string;
  readonly batch?: string;
  readonly resume?: string;
  readonly image?: string;
  readonly reset: boolean;
}

async function run(ctx: Context, o: RunOptions): Promise<void> {
  const profile = o.profile ? readProfile(o.profile) : DEFAULT_PROFILE;
  const db = StationDb.open(o.db);
  let virtual: VirtualBatch | undefined;
  try {
    const targets = o.board.map((b, i) => parseBoardSpec(b, `B${i + 1}`));
    if (o.image !== undefined && o.virtual !== undefined) throw stationError('BOARD_SPEC', '--image flashes real boards: a virtual board has no ROM loader to write to');
    if (o.virtual !== undefined) {
      virtual = await startVirtualBatch(batchRigs(ctx.int('--virtual', o.virtual, 1, 64)).map((rig) => ({ rig })));
      targets.push(...virtual.targets.map((t, i) => ({ ...t, label: `B${targets.length + i + 1}` })));
    }
    if (!targets.length) throw stationError('BOARD_SPEC', 'give boards with --board PORT,balance=PATH,id=ID (repeatable) or --virtual N');
    checkDistinct(targets);
    const batch = o.resume ?? o.batch ?? new Date().toISOString().replace(/[:.]/g, '-');
    if (o.resume !== undefined && !db.unfinished(batch).length) throw stationError('NO_RUN', `batch ${batch} has no unfinished run in ${o.db}`);
    const { ac } = runTime(ctx);
    if (o.image !== undefined) {
      // The flasher reads no MAC: a flashed board is recorded under the id on its label.
      const anonymous = targets.find((t) => t.id === undefined);
      if (anonymous) throw stationError('BOARD_SPEC', `--image: give ${anonymous.label} its id (--board ${anonymous.port},id=LABEL: the label or MAC on the board); the flasher reads no MAC`);
      checkImage(o.image);
    }
    const flasher = o.image === undefined ? undefined : createFlasher({ flash: { noReset: !o.reset } });
    const outcomes = await runStation(targets, {
      db,
      store: new KeyStore(join(o.out, 'keys')),
      profile,
      operator: terminalOperator(o.operator, ctx.io.confirm, (t) => ctx.note(t)),
      link: {
        binding: ctx.binding(),
        baud: 115200,
        timeoutMs: ctx.int('--timeout', ctx.o.timeout, 50, 600_000),
        reconnectMs: ctx.int('--reconnect', ctx.o.reconnect, 0, 3_600_000),
        timeScale: ctx.timeScale(),
        signal: ac.signal,
        notice: (t) => ctx.note(`pumpctl: ${t}`),
      },
      table: new LiveTable({ write: ctx.io.stderr, tty: ctx.io.isTty && !ctx.json }),
      out: o.out,
      batch,
      resume: o.resume !== undefined,
      ...(o.image !== undefined && { image: o.image }),
      ...(flasher && { flasher }),
    });
    ctx.result(
      { batch, boards: outcomes },
      [`batch ${batch}`, table(outcomes.map((b) => [b.label, b.boardId ?? '?', b.state === 'finished' ? b.verdict.toUpperCase() : 'INTERRUPTED', b.reason]))].join('\n'),
    );
    if (outcomes.some((b) => b.state !== 'finished' || b.verdict !== 'pass')) throw stationError('BOARDS_FAILED', `not every board passed (batch ${batch}; database ${o.db})`);
  } finally {
    db.close();
    await virtual?.stop();
  }
}

function report(ctx: Context, o: { db: string; csv?: string; board?: string }): void {
  // A report never creates the database it reads: a mistyped --db would show an empty station.
  if (!existsSync(o.db)) throw stationError('DATABASE', `${o.db} does not exist: run \`pumpctl station run\` first, or give the database with --db`);
  const db = StationDb.open(o.db);
  try {
    if (o.csv !== undefined) {
      const csv = exportCsv(db);
      if (o.csv === '-') ctx.io.stdout(csv);
      else writeFileSync(o.csv, csv);
      return;
    }
    if (o.board !== undefined) {
      const h = boardHistory(db, o.board);
      if (!h.length) throw stationError('NO_BOARD', `${o.db} has no runs of board ${o.board}`);
      ctx.result(
        { board: o.board, history: h },
        table([
          ['run', 'started', 'firmware', 'verdict', 'fl/microstep', 'drift'],
          ...h.map((r) => [
            String(r.run),
            r.startedAt,
            r.firmware ?? '?',
            r.verdict ?? 'unfinished',
            r.flPerMicrostep === null ? '' : String(r.flPerMicrostep),
            r.driftPct === null ? '' : `${r.driftPct.toFixed(3)} %`,
          ]),
        ]),
      );
      return;
    }
    const b = latestVerdicts(db);
    ctx.result(
      { boards: b },
      table([['board', 'runs', 'last run', 'firmware', 'verdict', 'reason'], ...b.map((x) => [x.board, String(x.runs), x.startedAt, x.firmware ?? '?', x.verdict ?? x.status, x.reason ?? ''])]),
    );
  } finally {
    db.close();
  }
}

export const registerStation: Register = (program, act) => {
  const st = program.command('station').description('test station: bring up, check, calibrate and certify a batch of boards, results in a SQLite database (docs/station.md)');
  st.command('run', { isDefault: true })
    .description('run every board given at once: identify, provision, self-test, calibrate, gravimetric check, certificate')
    .option('--board <spec>', 'PORT[,balance=PATH][,protocol=P][,id=ID][,clock=SOCKET] (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--virtual <n>', 'start n virtual boards, each a different population rig, with virtual balances')
    .option('--db <file>', 'results database', 'station/results.db')
    .option('--out <dir>', 'run folders and key store', 'station')
    .option('--profile <file>', 'tolerance profile (YAML or JSON)')
    .option('--operator <name>', 'who is testing', process.env['USER'] ?? 'operator')
    .option('--batch <name>', 'name of this batch (default: the time)')
    .option('--resume <batch>', 'carry on the unfinished runs of a batch')
    .option('--image <dir>', 'flash this image folder first (as npm run flash -- --image; every --board needs id=)')
    .option('--no-reset', 'with --image: do not pulse DTR/RTS (boards put in their downloader by hand, or ptys)')
    .action(act(async (ctx, o: RunOptions) => run(ctx, o)));
  st.command('report')
    .description('boards and their latest verdicts; --csv FILE|- exports every measurement; --board ID shows its history and calibration drift')
    .option('--db <file>', 'results database', 'station/results.db')
    .option('--csv <file>', 'write CSV (- for stdout)')
    .option('--board <id>', "one board's history")
    .action(act(async (ctx, o: { db: string; csv?: string; board?: string }) => report(ctx, o)));
};
