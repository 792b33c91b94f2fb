/**
 * The standard IEC 60870-5-104 wire (§5: start 0x68, one length octet, four control octets, the
 * ASDU): the `LinkWire` an `Iec104Link` uses unless its owner gives it another.
 */
import { decodeApci, encodeIFrame, encodeSFrame, encodeUFrame, MAX_APDU_LENGTH } from './apci.js';
import { ASDU_OFFSET } from './apdu.js';
import type { LinkWire } from './link-types.js';

/** The standard wire; `maxApduLength` bounds the ASDUs sent (4..253, default 253). */
export function iec104Wire(maxApduLength: number = MAX_APDU_LENGTH): LinkWire {
  return {
    apci: decodeApci,
    asdu: (frame) => frame.subarray(ASDU_OFFSET),
    iFrame: encodeIFrame,
    sFrame: encodeSFrame,
    uFrame: encodeUFrame,
    maxAsdu: maxApduLength - 4,
  };
}
