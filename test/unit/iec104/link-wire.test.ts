/** An `Iec104Link` on another wire (`LinkOptions.wire`), fed whole frames by its owner (`receiveFrame`). */
import { describe, expect, it } from 'vitest';
import { decodeApci, encodeIFrame, encodeSFrame, encodeUFrame, type Apci, type UFunction } from '../../../src/iec104/apci.js';
import type { DecodeError } from '../../../src/iec104/errors.js';
import { ControllingLink, iec104Wire, type LinkWire } from '../../../src/iec104/link.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ASDU } from '../../support/link-harness.js';

/** A made-up wire: 0x68, a two-octet little-endian length, the control octets, the ASDU, then 0xee. */
const wide: LinkWire = {
  apci: (frame) => decodeApci(Buffer.concat([Buffer.from([0x68, 4]), frame.subarray(3, 7)])),
  asdu: (frame) => frame.subarray(7, frame.length - 1),
  iFrame: (ns, nr, asdu) => widen(encodeIFrame(ns, nr, asdu), true),
  sFrame: (nr) => widen(encodeSFrame(nr), false),
  uFrame: (fn: UFunction) => widen(encodeUFrame(fn), false),
  maxAsdu: 12,
};

function widen(standard: Buffer, trailer: boolean): Buffer {
  const body = standard.subarray(2);
  const head = Buffer.from([0x68, body.length & 0xff, body.length >> 8]);
  return Buffer.concat([head, body, trailer ? Buffer.from([0xee]) : Buffer.alloc(0)]);
}

function setup(wire?: LinkWire) {
  const sent: Buffer[] = [];
  const asdus: Buffer[] = [];
  const errors: DecodeError[] = [];
  const frames: number[] = [];
  const link = new ControllingLink({
    clock: new FakeClock(1_000),
    send: (b) => sent.push(Buffer.from(b)),
    close: () => undefined,
    onAsdu: (a) => asdus.push(Buffer.from(a)),
    onError: (e) => errors.push(e),
    onFrame: () => frames.push(1),
    ...(wire === undefined ? {} : { wire }),
  });
  return { link, sent, asdus, errors, frames };
}

describe('the standard wire', () => {
  it('writes what the link always wrote', () => {
    const w = iec104Wire();
    expect(w.uFrame('STARTDT_ACT').toString('hex')).toBe('680407000000');
    expect(w.sFrame(3).toString('hex')).toBe('680401000600');
    expect(w.iFrame(1, 2, ASDU)).toEqual(encodeIFrame(1, 2, ASDU));
    expect(w.asdu(encodeIFrame(1, 2, ASDU))).toEqual(ASDU);
    expect(w.maxAsdu).toBe(249);
    expect(iec104Wire(20).maxAsdu).toBe(16);
  });

  it('receiveFrame acts on one whole frame as receive does, without counting it', () => {
    const { link, sent, asdus, frames } = setup();
    link.start();
    link.receiveFrame(encodeUFrame('STARTDT_CON'));
    expect(link.state).toBe('active');
    link.receiveFrame(encodeIFrame(0, 0, ASDU));
    expect(asdus).toEqual([ASDU]);
    expect(frames).toEqual([]);
    link.receive(encodeIFrame(1, 0, ASDU));
    expect(frames).toEqual([1]);
    expect(sent.map((b) => b.toString('hex'))).toEqual(['680407000000']);
  });
});

describe('a link on another wire', () => {
  it('sends its U-, I- and S-frames in the wire’s form', () => {
    const { link, sent } = setup(wide);
    link.start();
    expect(sent.splice(0).map((b) => b.toString('hex'))).toEqual(['68040007000000']);
    link.receiveFrame(widen(encodeUFrame('STARTDT_CON'), false));
    expect(link.state).toBe('active');
    link.sendAsdu(ASDU);
    expect(sent.splice(0)).toEqual([widen(encodeIFrame(0, 0, ASDU), true)]);
    link.receiveFrame(widen(encodeUFrame('TESTFR_ACT'), false));
    expect(sent.splice(0).map((b) => b.toString('hex'))).toEqual(['68040083000000']);
  });

  it('delivers the ASDU the wire cuts out and acknowledges in the wire’s form', () => {
    const { link, sent, asdus } = setup(wide);
    link.start();
    link.receiveFrame(widen(encodeUFrame('STARTDT_CON'), false));
    sent.length = 0;
    for (let ns = 0; ns < 8; ns++) link.receiveFrame(widen(encodeIFrame(ns, 0, ASDU), true));
    expect(asdus).toEqual(Array.from({ length: 8 }, () => ASDU));
    const acks: Apci[] = sent.map((b) => wide.apci(b)).flatMap((r) => (r.ok ? [r.value] : []));
    expect(acks).toEqual([{ format: 'S', nr: 8 }]);
    expect(sent[0]?.length).toBe(7);
  });

  it('bounds ASDUs by the wire', () => {
    const { link } = setup(wide);
    expect(() => link.sendAsdu(Buffer.alloc(13, 1))).toThrow(RangeError);
    expect(link.sendAsdu(Buffer.alloc(12, 1))).toBe(true);
  });

  it('reports a frame the wire cannot read at its stream offset', () => {
    const { link, errors } = setup(wide);
    link.receiveFrame(Buffer.from('68040013000100', 'hex'), 40);
    expect(errors.map((e) => [e.code, e.offset])).toEqual([['IEC104_UNKNOWN_U_FUNCTION', 42]]);
  });
});
