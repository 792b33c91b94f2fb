/**
 * The template codec's tools beside its session: framing and describing frames without a session,
 * what `pilegate decode` and `replay` print and what a station's DiagnosticsLog shows. Pure.
 */
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import type { ChunkFramer, DecodedFrame, FrameTools } from '../codec.js';
import { ExampleFramer } from './framer.js';
import { decodeExampleFrame, TYPE_BYTES, type ExampleMessage } from './messages.js';
import type { ExampleOptions } from './options.js';

/** The protocol carries no times: the zone only matters for what the host stamps. */
export function exampleTimeZone(_options: ExampleOptions | undefined): string {
  return DEFAULT_TIME_ZONE;
}

function framer(): ChunkFramer {
  const f = new ExampleFramer();
  return {
    push: (chunk) => f.push(chunk),
    end: () => (f.buffered === 0 ? undefined : { code: 'EXAMPLE_TRUNCATED', offset: f.position - f.buffered, message: `input ends inside a frame: ${f.buffered} byte(s)` }),
  };
}

/** One line per field, indented by two spaces: `type 0x03 status`, `connector 1`... */
export function describeExampleMessage(m: ExampleMessage): string[] {
  const { type, ...fields } = m;
  return [`  type 0x${TYPE_BYTES[type].toString(16).padStart(2, '0')} ${type}`, ...Object.entries(fields).map(([k, v]) => `  ${k} ${String(v)}`)];
}

export function exampleFrameTools(): FrameTools {
  return {
    framer,
    // Nothing secret travels in this protocol; a codec whose frames carry a password masks it here.
    shown: (frame) => frame,
    decode: (frame): DecodedFrame => {
      const r = decodeExampleFrame(frame);
      return r.ok ? { ok: true, lines: describeExampleMessage(r.value), json: r.value } : { ok: false, code: r.error.code, message: r.error.message, offset: r.error.offset };
    },
  };
}
