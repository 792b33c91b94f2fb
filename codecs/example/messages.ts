/**
 * The template protocol's messages (codecs/example/README.md §Messages): one decoder and one encoder
 * over the same table of layouts, bounds checked before any read. A frame is
 * `68 L type body checksum`; the body layouts are fixed except the login's identity, which carries
 * its own length. Numbers are big-endian.
 */
import { ExampleDecodeError } from './errors.js';
import { checksum, FRAME_OVERHEAD, START_BYTE } from './framer.js';

export type ExampleMessage =
  /** 0x01, charger -> gateway: who the charger is. */
  | { readonly type: 'login'; readonly chargerId: string; readonly connectors: number; readonly currentType: 'AC' | 'DC' }
  /** 0x81, gateway -> charger: the login's answer. */
  | { readonly type: 'loginAnswer'; readonly accepted: boolean }
  /** 0x02 / 0x82: keep-alive and its answer. */
  | { readonly type: 'heartbeat' }
  | { readonly type: 'heartbeatAnswer' }
  /** 0x03, charger -> gateway: a connector's state as the charger's own code (see the mapping). */
  | { readonly type: 'status'; readonly connector: number; readonly code: number }
  /** 0x04, charger -> gateway: a connector's energy register (Wh) and power (W). */
  | { readonly type: 'meter'; readonly connector: number; readonly energyWh: number; readonly powerW: number }
  /** 0x10, gateway -> charger: restart, tagged with a sequence number its answer repeats. */
  | { readonly type: 'reset'; readonly sequence: number; readonly hard: boolean }
  /** 0x90, charger -> gateway: the answer to a reset. */
  | { readonly type: 'resetAnswer'; readonly sequence: number; readonly accepted: boolean };

export type ExampleMessageType = ExampleMessage['type'];

/** Type byte of each message. */
export const TYPE_BYTES: { readonly [T in ExampleMessageType]: number } = {
  login: 0x01,
  loginAnswer: 0x81,
  heartbeat: 0x02,
  heartbeatAnswer: 0x82,
  status: 0x03,
  meter: 0x04,
  reset: 0x10,
  resetAnswer: 0x90,
};

const TYPE_OF_BYTE = new Map<number, ExampleMessageType>(Object.entries(TYPE_BYTES).map(([t, b]) => [b, t as ExampleMessageType]));

/** Longest charger id a login carries. */
export const MAX_CHARGER_ID = 32;

export type DecodeResult = { readonly ok: true; readonly value: ExampleMessage } | { readonly ok: false; readonly error: ExampleDecodeError };

/** Decodes one whole frame as the framer delivered it (start byte to checksum). */
export function decodeExampleFrame(frame: Uint8Array): DecodeResult {
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (bytes.length < FRAME_OVERHEAD + 1 || bytes[0] !== START_BYTE || bytes[1] !== bytes.length - FRAME_OVERHEAD) {
    return fail('EXAMPLE_BODY', `not a whole frame (${bytes.length} bytes)`, 0);
  }
  const typeByte = bytes[2] as number;
  const type = TYPE_OF_BYTE.get(typeByte);
  if (type === undefined) return fail('EXAMPLE_TYPE', `unknown type 0x${typeByte.toString(16).padStart(2, '0')}`, 2);
  const body = bytes.subarray(3, bytes.length - 1);
  const size = (n: number): DecodeResult | undefined => (body.length === n ? undefined : fail('EXAMPLE_BODY', `${type}: body of ${body.length} bytes, expected ${n}`, 3));
  switch (type) {
    case 'login': {
      const idLength = body[0];
      if (idLength === undefined || idLength < 1 || idLength > MAX_CHARGER_ID) return fail('EXAMPLE_BODY', `login: charger id length ${idLength ?? 'missing'}, expected 1..${MAX_CHARGER_ID}`, 3);
      const wrong = size(1 + idLength + 2);
      if (wrong !== undefined) return wrong;
      const id = body.subarray(1, 1 + idLength);
      if (!id.every((b) => b >= 0x21 && b <= 0x7e)) return fail('EXAMPLE_BODY', 'login: the charger id is not printable ASCII', 4);
      const connectors = body[1 + idLength] as number;
      const current = body[2 + idLength] as number;
      if (connectors < 1 || connectors > 8) return fail('EXAMPLE_BODY', `login: ${connectors} connectors, expected 1..8`, 4 + idLength);
      if (current > 1) return fail('EXAMPLE_BODY', `login: current type ${current}, expected 0 (AC) or 1 (DC)`, 5 + idLength);
      return ok({ type, chargerId: id.toString('latin1'), connectors, currentType: current === 0 ? 'AC' : 'DC' });
    }
    case 'loginAnswer':
      return size(1) ?? ok({ type, accepted: body[0] === 0 });
    case 'heartbeat':
    case 'heartbeatAnswer':
      return size(0) ?? ok({ type });
    case 'status':
      return size(2) ?? ok({ type, connector: body[0] as number, code: body[1] as number });
    case 'meter':
      return size(9) ?? ok({ type, connector: body[0] as number, energyWh: body.readUInt32BE(1), powerW: body.readUInt32BE(5) });
    case 'reset':
      return size(2) ?? ok({ type, sequence: body[0] as number, hard: body[1] === 1 });
    case 'resetAnswer':
      return size(2) ?? ok({ type, sequence: body[0] as number, accepted: body[1] === 0 });
  }
}

/** Encodes a message as a whole frame. Throws a RangeError on a value its field cannot hold. */
export function encodeExampleFrame(message: ExampleMessage): Buffer {
  const body = encodeBody(message);
  if (body.length > 254) throw new RangeError(`${message.type}: body of ${body.length} bytes does not fit one frame`);
  const frame = Buffer.alloc(body.length + FRAME_OVERHEAD + 1);
  frame[0] = START_BYTE;
  frame[1] = body.length + 1;
  frame[2] = TYPE_BYTES[message.type];
  body.copy(frame, 3);
  frame[frame.length - 1] = checksum(frame.subarray(2, frame.length - 1));
  return frame;
}

function encodeBody(m: ExampleMessage): Buffer {
  switch (m.type) {
    case 'login': {
      const id = Buffer.from(m.chargerId, 'latin1');
      if (id.length < 1 || id.length > MAX_CHARGER_ID) throw new RangeError(`login: charger id of ${id.length} bytes, expected 1..${MAX_CHARGER_ID}`);
      return Buffer.concat([Buffer.from([id.length]), id, Buffer.from([byte(m.connectors), m.currentType === 'AC' ? 0 : 1])]);
    }
    case 'loginAnswer':
      return Buffer.from([m.accepted ? 0 : 1]);
    case 'heartbeat':
    case 'heartbeatAnswer':
      return Buffer.alloc(0);
    case 'status':
      return Buffer.from([byte(m.connector), byte(m.code)]);
    case 'meter': {
      const b = Buffer.alloc(9);
      b[0] = byte(m.connector);
      b.writeUInt32BE(m.energyWh, 1);
      b.writeUInt32BE(m.powerW, 5);
      return b;
    }
    case 'reset':
      return Buffer.from([byte(m.sequence), m.hard ? 1 : 0]);
    case 'resetAnswer':
      return Buffer.from([byte(m.sequence), m.accepted ? 0 : 1]);
  }
}

function byte(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`${n} does not fit one byte`);
  return n;
}

function ok(value: ExampleMessage): DecodeResult {
  return { ok: true, value };
}

function fail(code: ExampleDecodeError['code'], message: string, offset: number): DecodeResult {
  return { ok: false, error: new ExampleDecodeError(code, message, offset) };
}
