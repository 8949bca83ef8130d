// pumpctl in process against the firmware's own protocol link through @serialport/binding-mock,
// for the suites of issue 21 (pumpctl-program-verdict, pumpctl-status-ack, pumpctl-history):
// a linked virtual pump with storage and a log, a key file with the example keys, and pumpctl
// run with a given argv, its output and exit status captured.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineBytes } from '../firmware/shared/crc';
import { runPumpctl } from '../host/cli/pumpctl';
import { writeKeyFile } from '../host/protocol/key-file';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { MockFlash } from '../host/storage/flash-mock';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';
import type { Responder } from './pump-binding';
import { pumpBinding } from './pump-binding';

export const MIN = 60_000;
export const HOUR = 3_600_000;
const PATH = '/dev/ttyMOCK1';
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

export function board(o: { reservoirNl?: number; faults?: string[]; rateNlPerDay?: number } = {}) {
  const lp = createLinkedPump({
    mechanics: RIG,
    library: LIBRARY_JSON,
    reservoirNl: o.reservoirNl ?? 8_000_000,
    prescription: continuous(o.rateNlPerDay ?? 1_000_000, { patientBolus: PATIENT }),
    storage: new MockKeyValueStore(),
    flash: new MockFlash(),
    ...(o.faults && { faults: o.faults }),
  });
  const respond: Responder = (text) => {
    const before = lp.written.length;
    lp.link.receive(lineBytes(text));
    const out = lp.written.splice(before);
    return out.length ? out.map((l) => `${l}\n`).join('') : undefined;
  };
  return { ...lp, respond };
}

export function keyFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pumpctl-')), 'keys.json');
  writeKeyFile(file, { patient: exampleKey('patient'), clinician: exampleKey('clinician'), service: exampleKey('service') });
  return file;
}

export function rxFile(rx: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rx-')), 'rx.json');
  writeFileSync(file, JSON.stringify(rx));
  return file;
}

export async function pumpctl(respond: Responder, args: string[], confirm?: (q: string) => Promise<boolean>) {
  const pb = pumpBinding(PATH, respond);
  let stdout = '';
  let stderr = '';
  const code = await runPumpctl(['--port', PATH, '--timeout', '300', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    binding: pb.binding,
    isTty: false,
    ...(confirm && { confirm }),
  });
  return { code, stdout, stderr, sent: pb.sent };
}
