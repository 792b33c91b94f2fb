/** The bit-field formatters the binary-parser decoders (IEC 104 ASDUs, CP56Time2a, YKC) share. */
import { describe, expect, it } from 'vitest';
import { bit, masked } from '../../../src/framing/bits.js';

describe('bit', () => {
  it('is true when any bit of the mask is set', () => {
    expect(bit(0x80).call(undefined, 0x80)).toBe(true);
    expect(bit(0x80).call(undefined, 0x7f)).toBe(false);
    expect(bit(0x41).call(undefined, 0x01)).toBe(true);
  });
});

describe('masked', () => {
  it('shifts, then masks', () => {
    expect(masked(0x1f, 2).call(undefined, 0b1111_1100)).toBe(0b1_1111);
    expect(masked(0x03, 6).call(undefined, 0xc0)).toBe(3);
    expect(masked(0x7f).call(undefined, 0xff)).toBe(0x7f);
  });
});
