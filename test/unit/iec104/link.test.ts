import { describe, expect, it } from 'vitest';
import { decodeApci, encodeIFrame, encodeSFrame, type Apci } from '../../../src/iec104/apci.js';
import type { DecodeError } from '../../../src/iec104/errors.js';
import {
  ControllingLink,
  DEFAULT_LINK_PARAMETERS,
  resolveLinkParameters,
  type LinkCloseReason,
  type LinkParameters,
} from '../../../src/iec104/link.js';
import { FakeClock } from '../../support/fake-clock.js';

/** C_IC_NA_1 act, CA 1, IOA 0, QOI 20: a realistic ASDU body for I-frames. */
const ASDU = Buffer.from([100, 0x01, 6, 0, 1, 0, 0, 0, 0, 20]);

const STARTDT_ACT = Buffer.from('680407000000', 'hex');
const STARTDT_CON = Buffer.from('68040b000000', 'hex');
const STOPDT_ACT = Buffer.from('680413000000', 'hex');
const STOPDT_CON = Buffer.from('680423000000', 'hex');
const TESTFR_ACT = Buffer.from('680443000000', 'hex');
const TESTFR_CON = Buffer.from('680483000000', 'hex');

function setup(params: Partial<LinkParameters> = {}) {
  const clock = new FakeClock(1_000);
  const sent: Buffer[] = [];
  const closes: LinkCloseReason[] = [];
  const asdus: Buffer[] = [];
  const transitions: string[] = [];
  const errors: DecodeError[] = [];
  const link = new ControllingLink({
    clock,
    params,
    send: (bytes) => sent.push(Buffer.from(bytes)),
    close: (reason) => closes.push(reason),
    onAsdu: (asdu) => asdus.push(Buffer.from(asdu)),
    onStateChange: (from, to, reason) => transitions.push(`${from} -> ${to} (${reason})`),
    onError: (error) => errors.push(error),
  });
  const p = link.params;
  /** Decoded APCI of everything sent since the last call. */
  const drain = (): Apci[] => sent.splice(0).map(apciOf);
  /** Starts the link and completes the STARTDT handshake. */
  const activate = (): void => {
    link.start();
    link.receive(STARTDT_CON);
    sent.length = 0;
  };
  return { clock, link, p, sent, closes, asdus, transitions, errors, drain, activate };
}

function apciOf(frame: Buffer): Apci {
  const r = decodeApci(frame);
  if (!r.ok) throw r.error;
  return r.value;
}

const peerI = (ns: number, nr = 0): Buffer => encodeIFrame(ns, nr, ASDU);

describe('link parameters', () => {
  it('defaults to the IEC values', () => {
    expect(resolveLinkParameters()).toEqual({ k: 12, w: 8, t0: 30_000, t1: 15_000, t2: 10_000, t3: 20_000, maxApduLength: 253 });
    expect(setup().link.params).toEqual(DEFAULT_LINK_PARAMETERS);
  });

  it('accepts overrides', () => {
    expect(resolveLinkParameters({ k: 4, w: 2, t1: 300, t2: 100, t3: 200 })).toMatchObject({ k: 4, w: 2, t1: 300, t2: 100, t3: 200 });
  });

  it.each([
    [{ w: 13 }, /w \(13\) must not exceed k \(12\)/],
    [{ t2: 15_000 }, /t2 \(15000 ms\) must be less than t1 \(15000 ms\)/],
    [{ k: 0 }, /k must be an integer in 1\.\.32767/],
    [{ k: 32768 }, /k must be an integer/],
    [{ w: 1.5 }, /w must be an integer/],
    [{ t3: 0 }, /t3 must be a positive number/],
    [{ t0: Number.NaN }, /t0 must be a positive number/],
    [{ maxApduLength: 254 }, /maxApduLength must be an integer in 4\.\.253/],
  ])('rejects %o with a RangeError', (overrides, message) => {
    expect(() => resolveLinkParameters(overrides)).toThrow(RangeError);
    expect(() => resolveLinkParameters(overrides)).toThrow(message);
    expect(() => setup(overrides)).toThrow(RangeError);
  });
});

describe('STARTDT / STOPDT (§5.3)', () => {
  it('sends STARTDT act and becomes active on the con', () => {
    const { link, sent, transitions, clock, p, closes } = setup();
    expect(link.state).toBe('idle');
    link.start();
    expect(sent).toEqual([STARTDT_ACT]);
    expect(link.state).toBe('starting');
    link.receive(STARTDT_CON);
    expect(link.state).toBe('active');
    expect(transitions).toEqual(['idle -> starting (start)', 'starting -> active (startdt-con)']);
    clock.advance(p.t1 * 2);
    expect(closes).toEqual([]);
    expect(link.state).toBe('active');
  });

  it('closes with t1 when the STARTDT con does not come', () => {
    const { link, sent, closes, clock, p, transitions } = setup();
    link.start();
    clock.advance(p.t1 - 1);
    expect(closes).toEqual([]);
    clock.advance(1);
    expect(closes).toEqual(['t1']);
    expect(link.state).toBe('closed');
    expect(transitions.at(-1)).toBe('starting -> closed (t1)');
    expect(clock.pending).toBe(0);
    // After close: nothing more goes out and nothing is processed.
    sent.length = 0;
    expect(link.sendAsdu(ASDU)).toBe(false);
    link.receive(TESTFR_ACT);
    link.start();
    expect(sent).toEqual([]);
    expect(closes).toEqual(['t1']);
  });

  it('holds ASDUs queued before the con and sends them once active', () => {
    const { link, sent, drain } = setup();
    link.sendAsdu(ASDU);
    link.sendAsdu(ASDU);
    expect(sent).toEqual([]);
    expect(link.queuedCount).toBe(2);
    link.start();
    expect(drain()).toEqual([{ format: 'U', fn: 'STARTDT_ACT' }]);
    link.receive(STARTDT_CON);
    expect(drain()).toEqual([
      { format: 'I', ns: 0, nr: 0 },
      { format: 'I', ns: 1, nr: 0 },
    ]);
    expect(link.queuedCount).toBe(0);
    expect(link.unackedCount).toBe(2);
  });

  it('stops with STOPDT act/con, acking received frames first, and restarts', () => {
    const { link, drain, activate, transitions } = setup();
    activate();
    link.receive(peerI(0));
    link.stop();
    expect(drain()).toEqual([
      { format: 'S', nr: 1 },
      { format: 'U', fn: 'STOPDT_ACT' },
    ]);
    expect(link.state).toBe('stopping');
    link.receive(STOPDT_CON);
    expect(link.state).toBe('stopped');
    link.sendAsdu(ASDU);
    expect(drain()).toEqual([]);
    link.start();
    link.receive(STARTDT_CON);
    expect(drain()).toEqual([
      { format: 'U', fn: 'STARTDT_ACT' },
      { format: 'I', ns: 0, nr: 1 },
    ]);
    expect(transitions).toEqual([
      'idle -> starting (start)',
      'starting -> active (startdt-con)',
      'active -> stopping (stop)',
      'stopping -> stopped (stopdt-con)',
      'stopped -> starting (start)',
      'starting -> active (startdt-con)',
    ]);
  });

  it('closes with t1 when the STOPDT con does not come', () => {
    const { link, closes, clock, p, activate, sent } = setup();
    activate();
    link.stop();
    expect(sent).toEqual([STOPDT_ACT]);
    clock.advance(p.t1);
    expect(closes).toEqual(['t1']);
  });

  it('ignores an unsolicited STARTDT con', () => {
    const { link, transitions } = setup();
    link.receive(STARTDT_CON);
    expect(link.state).toBe('idle');
    expect(transitions).toEqual([]);
  });

  it('answers STARTDT act, STOPDT act and TESTFR act from the peer with their con in any state', () => {
    const { link, sent, activate } = setup();
    link.receive(Buffer.concat([STARTDT_ACT, STOPDT_ACT, TESTFR_ACT]));
    expect(sent.splice(0)).toEqual([STARTDT_CON, STOPDT_CON, TESTFR_CON]);
    activate();
    link.receive(TESTFR_ACT);
    expect(sent.splice(0)).toEqual([TESTFR_CON]);
    expect(link.state).toBe('active');
  });
});

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

describe('TESTFR (§5.2)', () => {
  it('sends TESTFR act after t3 without received frames and keeps the link on the con', () => {
    const { link, sent, activate, clock, p, closes } = setup();
    activate();
    clock.advance(p.t3 - 1);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent.splice(0)).toEqual([TESTFR_ACT]);
    link.receive(TESTFR_CON);
    clock.advance(p.t1);
    expect(closes).toEqual([]);
    // The con is itself a received frame: the next probe comes t3 after it.
    clock.advance(p.t3 - p.t1);
    expect(sent.splice(0)).toEqual([TESTFR_ACT]);
  });

  it('restarts t3 on every received frame', () => {
    const { link, sent, activate, clock, p } = setup();
    activate();
    clock.advance(p.t3 - 1);
    link.receive(encodeSFrame(0));
    clock.advance(p.t3 - 1);
    link.receive(TESTFR_ACT);
    expect(sent.splice(0)).toEqual([TESTFR_CON]);
    clock.advance(p.t3 - 1);
    expect(sent).toEqual([]);
  });

  it('closes with t1 when the TESTFR con does not come', () => {
    const { link, activate, clock, p, closes } = setup();
    activate();
    clock.advance(p.t3 + p.t1 - 1);
    expect(closes).toEqual([]);
    clock.advance(1);
    expect(closes).toEqual(['t1']);
    expect(link.state).toBe('closed');
  });

  it('runs no t3 before start, even when frames arrive', () => {
    const { link, sent, clock, p } = setup();
    link.receive(TESTFR_ACT);
    clock.advance(p.t3 * 3);
    expect(sent).toEqual([TESTFR_CON]);
    expect(clock.pending).toBe(0);
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

describe('dispose', () => {
  it('clears every timer, closes without asking the owner, and sends nothing more', () => {
    const { link, activate, clock, closes, sent, transitions } = setup();
    activate();
    link.receive(peerI(0)); // t2 armed
    link.sendAsdu(ASDU); // t1 armed
    for (let i = 0; i < 20; i++) link.sendAsdu(ASDU);
    sent.length = 0;
    link.dispose();
    expect(clock.pending).toBe(0);
    expect(link.state).toBe('closed');
    expect(link.queuedCount).toBe(0);
    expect(transitions.at(-1)).toBe('active -> closed (disposed)');
    clock.advance(100_000);
    link.receive(TESTFR_ACT);
    expect(link.sendAsdu(ASDU)).toBe(false);
    expect(sent).toEqual([]);
    expect(closes).toEqual([]);
  });
});
