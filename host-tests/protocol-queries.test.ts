// The queries pumpctl builds on: INFO, RXDATA (the running prescription, byte for byte), LOG
// (history pages over the wire, nothing skipped or repeated) and CAL (gravimetric calibration:
// service role, paused, bounded, stored).
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../firmware/protocol/args';
import { crc32Hex } from '../firmware/shared/crc';
import { jsonBytes } from '../firmware/storage/records';
import { crcOk } from '../host/protocol/codec';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { MockFlash } from '../host/storage/flash-mock';
import { MockKeyValueStore } from '../host/storage/kv-mock';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

const HOUR = 3_600_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

function linked(stored = true) {
  return createLinkedPump({
    mechanics: RIG,
    library: LIBRARY_JSON,
    reservoirNl: 8_000_000,
    prescription: continuous(1_000_000, { patientBolus: PATIENT }),
    ...(stored && { storage: new MockKeyValueStore(), flash: new MockFlash() }),
  });
}

describe('INFO', () => {
  it('reports mechanics, calibration, reservoir, battery and the log extent', () => {
    const { client } = linked();
    const f = client().query('INFO').fields;
    expect(f).toMatchObject({ fw: '0.1.0', proto: '1', syringe: 'bd-10ml', leadUm: '2000', stepsPerRev: '200', microsteps: '16', calibrated: '0', reservoirNl: '8000000' });
    expect(Number(f['flPerMicrostep'])).toBeGreaterThan(0);
    expect(Number(f['batteryPct'])).toBe(100);
    expect(Number(f['logLast'])).toBeGreaterThanOrEqual(Number(f['logFirst']));
  });
});

describe('RXDATA', () => {
  it('reads back the running prescription exactly as the pump stores it', () => {
    const { client, vp } = linked();
    const c = client();
    const parts: Uint8Array[] = [];
    let total = 0;
    let crc = '';
    for (let off = 0; ; ) {
      const r = c.query('RXDATA', off);
      expect(r.ok).toBe(true);
      total = Number(r.fields['bytes']);
      crc = r.fields['crc32']!;
      if (r.fields['data'] === '-') break;
      const b = decodeBase64(r.fields['data']!)!;
      parts.push(b);
      off += b.length;
    }
    const bytes = Uint8Array.from(parts.flatMap((p) => [...p]));
    expect(bytes.length).toBe(total);
    expect(crc32Hex(bytes)).toBe(crc);
    expect(bytes).toEqual(jsonBytes(vp.controller.pump.prescription));
  });

  it('says so when nothing is programmed, and refuses an offset past the end', () => {
    const { client } = linked();
    const c = client();
    expect(c.query('RXDATA', 4096).code).toBe(503);
    const bare = createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000 }).client();
    expect(bare.query('RXDATA', 0).code).toBe(400);
  });
});

describe('LOG', () => {
  it('pages through the whole history in order, each line with a CRC, hour totals included', () => {
    const { client, vp } = linked();
    vp.runFor(5 * HOUR);
    const c = client();
    const info = c.query('INFO').fields;
    const seen: number[] = [];
    const lines: string[] = [];
    let from = Number(info['logFirst']);
    for (;;) {
      const before = c.received.length;
      const r = c.query('LOG', from, 7);
      expect(r.ok).toBe(true);
      const page = c.received.slice(before).filter((l) => l.startsWith('L '));
      expect(page.length).toBe(Number(r.fields['n']));
      for (const l of page) {
        expect(crcOk(l)).toBe(true);
        seen.push(Number(l.split(' ')[1]));
        lines.push(l);
      }
      if (page.length === 0) break;
      from = Number(r.fields['next']);
    }
    expect(seen[0]).toBe(Number(info['logFirst']));
    expect(seen[seen.length - 1]).toBe(Number(info['logLast']));
    expect(seen.every((s, i) => i === 0 || s === seen[i - 1]! + 1)).toBe(true);
    const hours = lines.filter((l) => l.includes(' hour-total '));
    expect(hours.length).toBeGreaterThanOrEqual(4);
    // 1 mL/day: about 41.7 uL an hour, per hourly record.
    const nl = Number(/deliveredNl=([0-9]+)/.exec(hours[1]!)![1]);
    expect(Math.abs(nl - 41_667)).toBeLessThan(200);
    expect(lines.some((l) => / program PROGRAM_STARTED /.test(l))).toBe(true);
  });

  it('answers E425 on a pump without a log, and at most 20 records a page', () => {
    expect(linked(false).client().query('LOG', 1).code).toBe(425);
    expect(linked().client().query('LOG', 1, 21).code).toBe(503);
  });
});

describe('CAL', () => {
  it('scales the microstep volume by measured over commanded, service role and paused only', () => {
    const { client, vp } = linked();
    const c = client();
    const before = vp.controller.pump.mechanics.flPerMicrostep;
    expect(c.login('clinician', exampleKey('clinician')).ok).toBe(true);
    expect(c.send('CAL', 100_000, 98_000).code).toBe(506);
    expect(c.login('service', exampleKey('service')).ok).toBe(true);
    expect(c.send('CAL', 100_000, 98_000).code).toBe(403);
    expect(c.send('PAUSE').ok).toBe(true);
    expect(c.send('CAL', 100_000, 70_000).code).toBe(424);
    const r = c.send('CAL', 100_000, 98_000);
    expect(r.ok).toBe(true);
    expect(Number(r.fields['flPerMicrostep'])).toBe(Math.round((before * 98) / 100));
    expect(r.fields['calibrated']).toBe('1');
    expect(c.query('INFO').fields['calibrated']).toBe('1');
  });
});
