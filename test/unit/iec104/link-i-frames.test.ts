/** `ControllingLink` I-frames: acknowledging what it receives, the k-window, sequence numbers, framing. */
import { describe, expect, it } from 'vitest';
import { encodeSFrame } from '../../../src/iec104/apci.js';
import { ASDU, TESTFR_ACT, TESTFR_CON, apciOf, peerI, controllingLink as setup } from '../../support/link-harness.js';

describe('acknowledgement of received I-frames (§5.1, §5.5)', () => {
  it('delivers the ASDU and counts V(R)', () => {
    const { link, asdus, activate } = setup();
    activate();
    link.receive(peerI(0));
    expect(asdus).toEqual([ASDU]);
    expect(link.vr).toBe(1);
    expect(link.pendingAckCount).toBe(1);
  });

  it('sends an S-frame as soon as w I-frames are unacknowledged', () => {
    const { link, drain, activate, clock, p } = setup({ w: 3 });
    activate();
    link.receive(peerI(0));
    link.receive(peerI(1));
    expect(drain()).toEqual([]);
    link.receive(peerI(2));
    expect(drain()).toEqual([{ format: 'S', nr: 3 }]);
    expect(link.pendingAckCount).toBe(0);
    clock.advance(p.t2);
    expect(drain()).toEqual([]);
  });

  it('sends an S-frame t2 after the first unacknowledged I-frame', () => {
    const { link, drain, activate, clock, p } = setup();
    activate();
    link.receive(peerI(0));
    clock.advance(p.t2 / 2);
    link.receive(peerI(1)); // does not restart t2
    clock.advance(p.t2 / 2 - 1);
    expect(drain()).toEqual([]);
    clock.advance(1);
    expect(drain()).toEqual([{ format: 'S', nr: 2 }]);
    clock.advance(p.t2 * 3);
    expect(drain().filter((a) => a.format === 'S')).toEqual([]);
  });

  it('piggybacks the ack on an outgoing I-frame and cancels t2', () => {
    const { link, drain, activate, clock, p } = setup();
    activate();
    link.receive(peerI(0));
    link.receive(peerI(1));
    link.sendAsdu(ASDU);
    expect(drain()).toEqual([{ format: 'I', ns: 0, nr: 2 }]);
    expect(link.pendingAckCount).toBe(0);
    clock.advance(p.t2);
    expect(drain()).toEqual([]);
  });
});

describe('sending I-frames and the k-window (§5.5)', () => {
  it('stalls at k unacknowledged frames and resumes as acks free the window', () => {
    const { link, drain, activate } = setup();
    activate();
    for (let i = 0; i < 20; i++) link.sendAsdu(ASDU);
    expect(drain()).toEqual(Array.from({ length: 12 }, (_, ns) => ({ format: 'I', ns, nr: 0 })));
    expect(link.unackedCount).toBe(12);
    expect(link.queuedCount).toBe(8);
    link.receive(encodeSFrame(5));
    expect(drain()).toEqual(Array.from({ length: 5 }, (_, i) => ({ format: 'I', ns: 12 + i, nr: 0 })));
    expect(link.unackedCount).toBe(12);
    expect(link.queuedCount).toBe(3);
    // An ack carried by a peer I-frame frees the window too; the frames now sent carry N(R) = 1.
    link.receive(peerI(0, 17));
    expect(drain()).toEqual(Array.from({ length: 3 }, (_, i) => ({ format: 'I', ns: 17 + i, nr: 1 })));
    link.receive(encodeSFrame(20));
    expect(link.unackedCount).toBe(0);
    expect(link.queuedCount).toBe(0);
    expect(link.vs).toBe(20);
  });

  it('copies queued ASDUs so the caller may reuse its buffer', () => {
    const { link, sent, activate } = setup({ k: 1, w: 1 });
    activate();
    const buf = Buffer.from(ASDU);
    link.sendAsdu(buf);
    link.sendAsdu(buf);
    buf[0] = 0xff;
    link.receive(encodeSFrame(1));
    expect(sent[1]?.subarray(6)).toEqual(ASDU);
  });

  it('runs t1 for the oldest unacknowledged frame from the time it was sent', () => {
    const { link, activate, clock, p, closes } = setup();
    activate();
    link.sendAsdu(ASDU); // sent at 0
    clock.advance(10_000);
    link.receive(encodeSFrame(0)); // valid, acks nothing; t1 keeps running
    link.sendAsdu(ASDU); // sent at 10 000
    clock.advance(p.t1 - 10_000 - 1);
    expect(closes).toEqual([]);
    link.receive(encodeSFrame(1)); // first acked at 14 999: second is due at 25 000
    clock.advance(10_000);
    expect(closes).toEqual([]);
    clock.advance(1);
    expect(closes).toEqual(['t1']);
  });

  it('stops t1 when everything is acknowledged', () => {
    const { link, activate, clock, p, closes } = setup();
    activate();
    link.sendAsdu(ASDU);
    link.receive(encodeSFrame(1));
    clock.advance(p.t1 + 1);
    expect(closes).toEqual([]);
  });

  it('rejects an empty or oversized ASDU', () => {
    const { link } = setup({ maxApduLength: 20 });
    expect(() => link.sendAsdu(new Uint8Array(0))).toThrow(RangeError);
    expect(() => link.sendAsdu(new Uint8Array(17))).toThrow(/ASDU of 17 octets, expected 1\.\.16/);
    expect(link.sendAsdu(new Uint8Array(16))).toBe(true);
  });
});

describe('sequence numbers (§5.1)', () => {
  it('wraps V(R) past 32767', () => {
    const { link, sent, activate, asdus } = setup();
    activate();
    for (let ns = 0; ns < 32_770; ns++) link.receive(peerI(ns % 32768));
    expect(link.vr).toBe(2);
    expect(asdus).toHaveLength(32_770);
    const acks = sent.map(apciOf);
    // One S-frame per w = 8 frames; 32768 is a multiple of 8 so one ack carries N(R) 0.
    expect(acks).toHaveLength(4096);
    expect(acks.at(-1)).toEqual({ format: 'S', nr: 0 });
    expect(acks.at(-2)).toEqual({ format: 'S', nr: 32760 });
    expect(link.state).toBe('active');
  });

  it('wraps V(S) past 32767 and accepts acks across the wrap', () => {
    const { link, sent, activate, closes } = setup();
    activate();
    for (let i = 0; i < 32_766; i++) {
      link.sendAsdu(ASDU);
      link.receive(encodeSFrame(link.vs));
    }
    sent.length = 0;
    for (let i = 0; i < 5; i++) link.sendAsdu(ASDU);
    expect(sent.map(apciOf)).toEqual([32766, 32767, 0, 1, 2].map((ns) => ({ format: 'I', ns, nr: 0 })));
    expect(link.vs).toBe(3);
    link.receive(encodeSFrame(1)); // acks 32766, 32767 and 0
    expect(link.unackedCount).toBe(2);
    link.receive(encodeSFrame(32767)); // behind the oldest unacked (1): invalid
    expect(closes).toEqual(['invalid-nr']);
  });

  it('closes on an N(R) acknowledging a frame never sent', () => {
    const { link, activate, closes, asdus } = setup();
    activate();
    link.sendAsdu(ASDU);
    link.sendAsdu(ASDU);
    link.sendAsdu(ASDU);
    link.receive(encodeSFrame(3)); // V(S) itself is valid
    expect(closes).toEqual([]);
    link.receive(peerI(0, 4));
    expect(closes).toEqual(['invalid-nr']);
    expect(asdus).toEqual([]);
    expect(link.state).toBe('closed');
  });

  it('closes on any N(R) other than V(S) when nothing is outstanding', () => {
    const { link, activate, closes } = setup();
    activate();
    link.receive(encodeSFrame(32767));
    expect(closes).toEqual(['invalid-nr']);
  });

  it('closes on an out-of-order N(S) and does not deliver it', () => {
    const { link, activate, closes, asdus, sent } = setup();
    activate();
    link.receive(peerI(0));
    link.receive(peerI(2));
    expect(closes).toEqual(['ns-out-of-order']);
    expect(asdus).toHaveLength(1);
    expect(sent).toEqual([]);
  });

  it('closes on a repeated N(S)', () => {
    const { link, activate, closes } = setup();
    activate();
    link.receive(peerI(0));
    link.receive(peerI(0));
    expect(closes).toEqual(['ns-out-of-order']);
  });

  it('stops processing the rest of a chunk after closing', () => {
    const { link, activate, closes, sent } = setup();
    activate();
    link.receive(Buffer.concat([encodeSFrame(9), TESTFR_ACT]));
    expect(closes).toEqual(['invalid-nr']);
    expect(sent).toEqual([]);
  });
});

describe('framing and errors', () => {
  it('handles several APDUs in one chunk and APDUs split byte by byte alike', () => {
    const stream = Buffer.concat([TESTFR_ACT, peerI(0), peerI(1), encodeSFrame(0), peerI(2)]);
    const whole = setup();
    whole.activate();
    whole.link.receive(stream);
    const split = setup();
    split.activate();
    for (const byte of stream) split.link.receive(Buffer.from([byte]));
    for (const s of [whole, split]) {
      expect(s.asdus).toEqual([ASDU, ASDU, ASDU]);
      expect(s.sent).toEqual([TESTFR_CON]);
      expect(s.link.vr).toBe(3);
    }
  });

  it('reports framing and APCI errors with stream offsets and stays open', () => {
    const { link, activate, errors, closes, sent } = setup();
    activate();
    link.receive(Buffer.from([0x00, 0x01]));
    link.receive(Buffer.from('680447000000', 'hex')); // unknown U function
    link.receive(TESTFR_ACT);
    expect(errors.map((e) => [e.code, e.offset])).toEqual([
      ['IEC104_BAD_START', 6],
      ['IEC104_UNKNOWN_U_FUNCTION', 10],
    ]);
    expect(closes).toEqual([]);
    expect(sent).toEqual([TESTFR_CON]);
  });
});
