/**
 * Whether a connection's first bytes are the template protocol (codecs/example/README.md §Frames):
 * the start byte, a length byte that fits the type byte after it, and a whole frame whose checksum
 * holds and which decodes. A one-byte checksum alone would take one frame in 256 of anything, so
 * the type and its body length are checked first. What follows a whole frame must begin as a frame does.
 */
import type { SniffResult } from '../codec.js';
import { checksum, FRAME_OVERHEAD, START_BYTE } from './framer.js';
import { decodeExampleFrame, MAX_CHARGER_ID, TYPE_BYTES } from './messages.js';

/** The length byte (type + body) of each type with a fixed body. */
const FIXED_LENGTH = new Map<number, number>([
  [TYPE_BYTES.loginAnswer, 2],
  [TYPE_BYTES.heartbeat, 1],
  [TYPE_BYTES.heartbeatAnswer, 1],
  [TYPE_BYTES.status, 3],
  [TYPE_BYTES.meter, 10],
  [TYPE_BYTES.reset, 3],
  [TYPE_BYTES.resetAnswer, 3],
]);

export function sniffExample(head: Uint8Array): SniffResult {
  if (head.length === 0) return 'more';
  if (head[0] !== START_BYTE) return 'no';
  if (head.length < 3) return 'more';
  const length = head[1] as number;
  const type = head[2] as number;
  if (type === TYPE_BYTES.login) {
    // type, id length, the id, connectors and current type
    if (length < 5 || length > MAX_CHARGER_ID + 4) return 'no';
    if (head.length > 3 && head[3] !== length - 4) return 'no';
  } else if (FIXED_LENGTH.get(type) !== length) return 'no';
  const total = length + FRAME_OVERHEAD;
  if (head.length < total) return 'more';
  if (head[total - 1] !== checksum(head.subarray(2, total - 1)) || !decodeExampleFrame(head.subarray(0, total)).ok) return 'no';
  return head.length === total || head[total] === START_BYTE ? 'yes' : 'no';
}
