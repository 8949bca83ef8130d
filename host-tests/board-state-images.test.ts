// The virtual board's image files, written through (host/board/state.ts): a flash program is a
// positioned write of exactly its bytes, an erase one block of 0xFF, an NVS set a line of
// nvs.log; a load applies nvs.log over nvs.json up to a torn or damaged line; folding the log
// into nvs.json and emptying it changes nothing a load sees. And the bytes that carry a write
// from the XS worker to the host decode to the write.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLASH_BLOCK, FLASH_BYTES } from '../host/board/core';
import type { ImageWrite } from '../host/board/image-writes';
import { decodeImageWrite, encodeImageWrite } from '../host/board/image-writes';
import { StateDir } from '../host/board/state';

const TMP = mkdtempSync(join(tmpdir(), 'pump-images-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;
const fresh = (): StateDir => {
  const s = new StateDir(join(TMP, `s${n++}`));
  s.ensure();
  return s;
};
const nvs = (key: string, ...bytes: number[]): ImageWrite => ({ kind: 'nvs', key, value: Uint8Array.from(bytes) });

describe('the board image files', () => {
  it('flash: a new board gets an erased image; programs and erases land where they belong', () => {
    const s = fresh();
    const f = s.openImages(undefined);
    expect(readFileSync(s.flashPath)).toEqual(Buffer.alloc(FLASH_BYTES, 0xff));
    f.write({ kind: 'flash', offset: FLASH_BLOCK + 10, data: Uint8Array.of(0xa5, 0x00, 0x5a) });
    f.write({ kind: 'flash', offset: 3 * FLASH_BLOCK, data: Uint8Array.of(0x12) });
    f.write({ kind: 'erase', block: 3 });
    f.close(false);
    const img = s.load().flash!;
    expect([...img.subarray(FLASH_BLOCK + 9, FLASH_BLOCK + 14)]).toEqual([0xff, 0xa5, 0x00, 0x5a, 0xff]);
    expect(img[3 * FLASH_BLOCK]).toBe(0xff);
    expect(img.length).toBe(FLASH_BYTES);
  });

  it('NVS: the log over the last whole image, last write wins, folded in without a change', () => {
    const s = fresh();
    s.saveNvs({ a: '01', b: '02' });
    const f = s.openImages(undefined);
    f.write(nvs('b', 0x20));
    f.write(nvs('c', 0x30));
    f.write(nvs('b', 0x21, 0x22));
    expect(s.load().nvs).toEqual({ a: '01', b: '2122', c: '30' });
    const before = s.load().nvs!;
    f.compactNvs(before);
    expect(statSync(s.nvsLogPath).size).toBe(0);
    expect(s.load().nvs).toEqual(before);
    // Appends go on after the log was emptied.
    f.write(nvs('a', 0x11));
    f.close(true);
    expect(s.load().nvs).toEqual({ ...before, a: '11' });
  });

  it('NVS: a line torn by a host crash, and everything after a damaged one, is left out', () => {
    const s = fresh();
    const f = s.openImages(undefined);
    f.write(nvs('k', 1));
    f.write(nvs('k', 2));
    f.close(false);
    appendFileSync(s.nvsLogPath, '["k","03"] 0bad'); // no line end: torn
    expect(s.load().nvs).toEqual({ k: '02' });
    const text = readFileSync(s.nvsLogPath, 'latin1').split('\n');
    // The second line damaged (one digit of its value): it and all after it are dropped.
    const damaged = [text[0], text[1]!.replace('"02"', '"07"'), ''].join('\n');
    rmSync(s.nvsLogPath);
    appendFileSync(s.nvsLogPath, damaged);
    expect(s.load().nvs).toEqual({ k: '01' });
  });

  it('the bytes a write crosses from XS in decode to the same write', () => {
    const writes: ImageWrite[] = [{ kind: 'flash', offset: 131_071, data: Uint8Array.of(0, 1, 2, 255) }, { kind: 'erase', block: 31 }, nvs('authlock.a', 5, 6, 7), nvs('empty')];
    for (const w of writes) expect(decodeImageWrite(encodeImageWrite(w))).toEqual(w);
    expect(() => decodeImageWrite(Uint8Array.of(0x51))).toThrow();
  });
});
