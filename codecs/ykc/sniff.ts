/**
 * Whether a connection's first bytes are YKC (docs/protocols/state-grid-dialects.md §1): the start
 * byte, a length L of 11 or more (sequence, flag and type, and at least a pile code), an encryption
 * flag of 0 or 1, a frame type of the catalogue, and a CRC-16/MODBUS over the L bytes that matches
 * the two after them in either byte order. What follows a whole frame must begin as a frame does.
 */
import type { SniffResult } from '../codec.js';
import { LENGTH_OVERHEAD, START_BYTE, frameInfo } from './constants.js';
import { checkCrc } from './crc.js';

/** The smallest length field of a frame: sequence (2), flag, type and a 7-byte pile code. */
const MIN_LENGTH = LENGTH_OVERHEAD + 7;

export function sniffYkc(head: Uint8Array): SniffResult {
  if (head.length === 0) return 'more';
  if (head[0] !== START_BYTE) return 'no';
  if (head.length < 2) return 'more';
  const length = head[1] as number;
  if (length < MIN_LENGTH) return 'no';
  if (head.length > 4 && (head[4] as number) > 1) return 'no';
  if (head.length > 5 && frameInfo(head[5] as number) === undefined) return 'no';
  const total = length + LENGTH_OVERHEAD;
  if (head.length < total) return 'more';
  if (checkCrc(head, 0, total) === undefined) return 'no';
  return head.length === total || head[total] === START_BYTE ? 'yes' : 'no';
}
