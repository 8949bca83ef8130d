// firmware/shared/crc.ts: the table-driven CRC-16 (issue 18, a signed command's cost) against
// the bitwise definition it replaced, the published check values, and line bytes taken from
// a text's characters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16, crc16Hex, crc32Hex, lineBytes, useNativeCrc16 } from '../firmware/shared/crc';
import { asciiBytes } from '../firmware/shared/hex';

/** CRC-16/CCITT-FALSE bit by bit, as the standard defines it (and crc.ts computed it before). */
function bitwise(bytes: Uint8Array, end = bytes.length, init = 0xffff): number {
  let crc = init;
  for (let i = 0; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('CRC-16', () => {
  it('gives the check values of CRC-16/CCITT-FALSE and CRC-16/XMODEM', () => {
    expect(crc16(asciiBytes('123456789'))).toBe(0x29b1);
    expect(crc16(asciiBytes('123456789'), 9, 0)).toBe(0x31c3);
    expect(crc16Hex('123456789')).toBe('29B1');
    expect(crc16(new Uint8Array(0))).toBe(0xffff);
  });

  it('agrees with the bitwise definition for every length, end and initial value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (bytes, cut, init) => {
        const end = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        expect(crc16(bytes, end, init)).toBe(bitwise(bytes, end, init));
        expect(crc16(bytes)).toBe(bitwise(bytes));
      }),
    );
  });

  it('checksums a text by the low byte of each character, four upper-case digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
        expect(crc16Hex(text)).toBe(bitwise(lineBytes(text)).toString(16).toUpperCase().padStart(4, '0'));
        expect(lineBytes(text).length).toBe(text.length);
        if (text.length === [...text].length) expect([...lineBytes(text)]).toEqual([...bytes]);
      }),
    );
    expect(crc16Hex('1 OK state=running')).toMatch(/^[0-9A-F]{4}$/);
    expect([...lineBytes('A\u0141')]).toEqual([0x41, 0x41]);
  });

  it('keeps CRC-32 as IEEE 802.3 gives it', () => {
    expect(crc32Hex(asciiBytes('123456789'))).toBe('cbf43926');
  });

  it('hands whole buffers to a CRC in C where the device gave one, the table where it has no instance', () => {
    // The device's driver (crc-native.ts) has instances for init 0xFFFF and 0 only; a stand-in
    // here records what it is asked and answers with the bitwise definition.
    const asked: [number, number][] = [];
    useNativeCrc16((bytes, init) => {
      asked.push([bytes.length, init]);
      return init === 0xffff || init === 0 ? bitwise(bytes, bytes.length, init) : undefined;
    });
    try {
      const bytes = asciiBytes('123456789 and a tail');
      expect(crc16(bytes, 9)).toBe(0x29b1); // only the first 9 bytes reach it
      expect(crc16(bytes, 9, 0)).toBe(0x31c3);
      expect(crc16(bytes, 9, 0x1234)).toBe(bitwise(bytes, 9, 0x1234)); // no instance: the table
      expect(asked).toEqual([
        [9, 0xffff],
        [9, 0],
        [9, 0x1234],
      ]);
    } finally {
      useNativeCrc16(undefined);
    }
  });
});
