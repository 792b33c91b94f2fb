/**
 * CRC-16/MODBUS (reflected polynomial 0xA001, init 0xFFFF, no final XOR). The YKC spec text says
 * "polynomial 0x180D" but its own appendix code is the Modbus table, and every implementation and
 * verifying sample uses Modbus (docs/protocols/ykc.md §1, §9 #1). It covers the frame from the sequence field to
 * the end of the body and is sent low byte first; some chargers send it high byte first, so
 * `checkCrc` accepts both and says which.
 */

const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** CRC-16/MODBUS of `bytes[start, end)`. */
export function crc16Modbus(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number);
  }
  return crc;
}

/** Byte order of the CRC on the wire: `le` = low byte first (the spec), `be` = high byte first. */
export type CrcOrder = 'le' | 'be';

/**
 * Checks the CRC of the whole frame `frame[start, start + total)` (start byte through CRC): the
 * CRC covers `[start + 2, start + total - 2)` and sits in the last two bytes. Returns the byte
 * order it was found in, or undefined when it matches neither. Low byte first wins a tie (a CRC
 * whose two bytes are equal).
 */
export function checkCrc(frame: Uint8Array, start: number, total: number): CrcOrder | undefined {
  const crcAt = start + total - 2;
  const crc = crc16Modbus(frame, start + 2, crcAt);
  const first = frame[crcAt] as number;
  const second = frame[crcAt + 1] as number;
  if (first === (crc & 0xff) && second === crc >>> 8) return 'le';
  if (first === crc >>> 8 && second === (crc & 0xff)) return 'be';
  return undefined;
}

/** Writes the CRC of `frame[2, crcAt)` at `crcAt` in the given byte order. */
export function writeCrc(frame: Uint8Array, crcAt: number, order: CrcOrder = 'le'): void {
  const crc = crc16Modbus(frame, 2, crcAt);
  const lo = crc & 0xff;
  const hi = crc >>> 8;
  frame[crcAt] = order === 'le' ? lo : hi;
  frame[crcAt + 1] = order === 'le' ? hi : lo;
}
