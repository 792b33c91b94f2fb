/**
 * Test support for the IEC 104 point-table codec: a session on a fake clock with every output
 * captured, and a scripted charger side that speaks with correct sequence numbers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMapping } from '../../codecs/iec104-points/load-mapping.js';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { Iec104PointsSession } from '../../codecs/iec104-points/session.js';
import type { CodecError, ConnectionInfo, IgnoredReason } from '../../codecs/codec.js';
import { ApduFramer, decodeApdu, encodeApdu, encodeIFrame, encodeUFrame, type Apdu, type Asdu, type InformationObject } from '../../src/iec104/index.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { FakeClock } from './fake-clock.js';

export function loadExampleMapping(name: 'example-dc-2gun' | 'example-ac-1gun'): Iec104PointsMapping {
  const file = fileURLToPath(new URL(`../../mappings/iec104-points/${name}.yaml`, import.meta.url));
  return parseMapping(readFileSync(file, 'utf8'), file);
}

export interface Harness {
  readonly clock: FakeClock;
  readonly session: Iec104PointsSession;
  readonly events: ChargerEvent[];
  readonly errors: CodecError[];
  /** Reasons the session gave the host for what it ignored, in order. */
  readonly ignored: IgnoredReason[];
  readonly logs: { level: string; message: string; data?: Readonly<Record<string, unknown>> }[];
  readonly closed: string[];
  /** Decoded frames the session sent, oldest first; `take()` returns and clears them. */
  take(): Apdu[];
  /** The charger answers STARTDT act. */
  startdtCon(): void;
  /** The charger sends an I-frame carrying `asdu` (N(S)/N(R) kept right). */
  send(asdu: Partial<Asdu> & Pick<Asdu, 'typeId' | 'cause' | 'objects'>): void;
  /** The charger sends an I-frame carrying these ASDU octets as they are (unknown types, broken counts). */
  sendBytes(asdu: Uint8Array): void;
  /** Events of one type. */
  of<T extends ChargerEvent['type']>(type: T): Extract<ChargerEvent, { type: T }>[];
}

export const START = Date.UTC(2026, 10, 25, 8, 0, 0);

export function harness(mapping: Iec104PointsMapping, commonAddress = 7, connection: ConnectionInfo = {}): Harness {
  const clock = new FakeClock(START);
  const events: ChargerEvent[] = [];
  const errors: CodecError[] = [];
  const ignored: IgnoredReason[] = [];
  const logs: Harness['logs'] = [];
  const closed: string[] = [];
  const framer = new ApduFramer();
  let sent: Apdu[] = [];
  let ns = 0;
  let received = 0;
  const session = new Iec104PointsSession({
    options: { mapping },
    clock,
    connection,
    sink: {
      event: (e) => events.push(e),
      send: (bytes) => {
        for (const item of framer.push(bytes)) {
          if (item.kind !== 'frame') throw new Error(`session sent a bad frame: ${item.error.code}`);
          const r = decodeApdu(item.frame, { cotSize: mapping.asdu?.cotSize ?? 2, caSize: mapping.asdu?.caSize ?? 2, ioaSize: mapping.asdu?.ioaSize ?? 3 });
          if (!r.ok) throw new Error(`session sent an undecodable frame: ${r.error.code}`);
          if (r.value.apci.format === 'I') received += 1;
          sent.push(r.value);
        }
      },
      error: (e) => errors.push(e),
      ignored: (reason) => ignored.push(reason),
      close: (reason) => closed.push(reason),
      log: (level, message, data) => logs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
    },
  });
  return {
    clock,
    session,
    events,
    errors,
    ignored,
    logs,
    closed,
    take() {
      const out = sent;
      sent = [];
      return out;
    },
    startdtCon() {
      session.receive(encodeUFrame('STARTDT_CON'));
    },
    send(asdu) {
      const full: Asdu = { sq: false, negative: false, test: false, originator: 0, commonAddress, ...asdu, objects: asdu.objects as InformationObject[] };
      session.receive(encodeApdu({ apci: { format: 'I', ns: ns++, nr: received % 32768 }, asdu: full }));
    },
    sendBytes(asdu) {
      session.receive(encodeIFrame(ns++, received % 32768, asdu));
    },
    of(type) {
      return events.filter((e) => e.type === type) as never;
    },
  };
}

/** The ASDUs among decoded frames. */
export function asdus(frames: Apdu[]): Asdu[] {
  return frames.flatMap((f) => (f.asdu === undefined ? [] : [f.asdu]));
}
