// The NOR flash mock the storage tests run on (host/storage/flash-mock.ts): it must be as
// unkind as the part: bits only go from 1 to 0 until a block is erased, erases are counted,
// and a power cut leaves the byte it hit half-programmed and refuses everything until reboot.
import { describe, expect, it } from 'vitest';
import { MockFlash, PowerCut } from '../host/storage/flash-mock';

describe('MockFlash', () => {
  it('starts erased, enforces 1 -> 0, erases blocks and counts the erases', () => {
    const f = new MockFlash(2048, 512);
    expect([...f.read(0, 2048)].every((b) => b === 0xff)).toBe(true);
    f.write(10, Uint8Array.of(0xf0));
    f.write(10, Uint8Array.of(0x30)); // clears more bits: fine
    expect(() => f.write(10, Uint8Array.of(0x31))).toThrow(/0 bit into 1/);
    f.eraseBlock(0);
    expect(f.read(10, 1)[0]).toBe(0xff);
    expect(f.eraseCounts).toEqual([1, 0, 0, 0]);
  });

  it('cuts the power after n bytes across writes, then refuses everything until reboot', () => {
    const f = new MockFlash(2048, 512);
    f.cutAfterBytes(5);
    f.write(0, Uint8Array.of(1, 2, 3));
    expect(() => f.write(3, Uint8Array.of(4, 5, 6, 7))).toThrow(PowerCut);
    expect(() => f.read(0, 1)).toThrow(PowerCut);
    f.reboot();
    // The byte at the cut is half-programmed: only the bits of its low nibble were cleared.
    expect([...f.read(0, 8)]).toEqual([1, 2, 3, 4, 5, 0xf6, 0xff, 0xff]);
    f.cutAfterBytes(0);
    expect(() => f.write(8, Uint8Array.of(0x5a))).toThrow(PowerCut);
    f.reboot();
    expect(f.read(8, 1)[0]).toBe(0xfa);
  });
});
