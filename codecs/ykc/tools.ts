/**
 * The YKC codec's tools beside its session: framing and describing frames without a session (what
 * `pilegate decode` and `replay` print, what a station's DiagnosticsLog shows) and the `--ykc-key`
 * flag of `pilegate decode`. Pure: bytes in, text out.
 */
import type { ChunkFramer, CodecFlag, DecodedFrame, FrameTools, FrameView } from '../codec.js';
import { YkcCipher } from './cipher.js';
import { describeYkcFrame, describeYkcHeader } from './describe.js';
import { DEFAULT_TIME_ZONE } from './fields.js';
import { YkcFramer } from './framer.js';
import { decodeYkcFrame } from './parser.js';
import type { YkcOptions } from './session-support.js';

/** `--ykc-key <hex>`: a 3DES key for frames with the encryption flag (mode and padding from the options). */
export const YKC_KEY_FLAG: CodecFlag = {
  name: 'ykc-key',
  value: 'hex',
  description: 'with --codec ykc: 3DES key (48 hex digits) for frames with the encryption flag (mode and padding from --mapping, default ECB with zero padding)',
  // Never echo the value: it is a secret.
  check: (value) => (/^[0-9A-Fa-f]{48}$/.test(value) ? undefined : '--ykc-key must be 48 hex digits (a 24-byte 3DES key)'),
  secret: { env: 'PILEGATE_YKC_KEY' },
};

/** The zone of a YKC charger's clock unless its connection says otherwise. */
export function ykcTimeZone(options: YkcOptions | undefined): string {
  return options?.timeZone ?? DEFAULT_TIME_ZONE;
}

/**
 * Secrets inside plain (not 3DES) YKC frames, by type, as byte ranges after the 6 header bytes
 * (start, length, sequence 2, encryption flag, type) (docs/protocols/ykc.md §4):
 * - 0x31 start request: pile code 7, gun 1, start mode 1, password flag 1 and card 8 come before
 *   the MD5 of the password the user typed (16 bytes; a PIN's MD5 is reversed in a moment);
 * - 0x94 remote update: pile code 7, model 1, power 2, server 16, port 2 and user 16 come before
 *   its one-time FTP password (16 bytes, §4.1).
 */
const YKC_SECRETS: Readonly<Record<number, { readonly start: number; readonly end: number }>> = {
  0x31: { start: 6 + 18, end: 6 + 34 },
  0x94: { start: 6 + 44, end: 6 + 60 },
};

/** A copy of a YKC frame with its secret overwritten by '*', or the frame when it has none. */
function ykcShown(frame: Buffer): Buffer {
  const secret = YKC_SECRETS[frame[5] ?? -1];
  if (secret === undefined || frame[4] !== 0 || frame.length < secret.end) return frame;
  const copy = Buffer.from(frame);
  copy.fill(0x2a, secret.start, secret.end);
  return copy;
}

function ykcFramer(): ChunkFramer {
  const framer = new YkcFramer();
  return {
    push: (chunk) => framer.push(chunk),
    end: () => {
      if (framer.buffered === 0) return undefined;
      return { code: 'YKC_TRUNCATED', offset: framer.position - framer.buffered, message: `input ends inside a frame: ${framer.buffered} byte(s) of an incomplete YKC frame` };
    },
  };
}

/**
 * YKC frame tools: times in `view.timeZone`, cards in the options' format, 3DES bodies opened with
 * the `ykc-key` flag's key (in the options' mode and padding) or the options' listener-wide key.
 */
export function ykcFrameTools(options: YkcOptions | undefined, view: FrameView): FrameTools {
  const key = view.flags?.['ykc-key'];
  const cipher = key !== undefined ? new YkcCipher(key, options?.encryption?.params ?? {}) : options?.encryption?.cipherFor();
  const decodeOptions = { timeZone: view.timeZone, ...(options?.cardFormat !== undefined ? { cardFormat: options.cardFormat } : {}), ...(cipher !== undefined ? { cipher } : {}) };
  return {
    framer: ykcFramer,
    shown: ykcShown,
    decode: (frame): DecodedFrame => {
      const r = decodeYkcFrame(frame, decodeOptions);
      if (r.ok) return { ok: true, lines: describeYkcFrame(r.value).map((l) => `  ${l}`), json: r.value };
      // A 3DES body without its key still has a readable header.
      const header = r.error.code === 'YKC_ENCRYPTED' ? describeYkcHeader(frame).map((l) => `  ${l}`) : [];
      return { ok: false, code: r.error.code, message: r.error.message, offset: r.error.offset, ...(header.length > 0 ? { lines: header } : {}) };
    },
  };
}
