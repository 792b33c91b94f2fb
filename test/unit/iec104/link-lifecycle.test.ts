/** `ControllingLink` lifecycle: its parameters, STARTDT / STOPDT, TESTFR keep-alive and dispose. */
import { describe, expect, it } from 'vitest';
import { encodeSFrame } from '../../../src/iec104/apci.js';
import { DEFAULT_LINK_PARAMETERS, resolveLinkParameters } from '../../../src/iec104/link.js';
import { ASDU, STARTDT_ACT, STARTDT_CON, STOPDT_ACT, STOPDT_CON, TESTFR_ACT, TESTFR_CON, peerI, controllingLink as setup } from '../../support/link-harness.js';

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
