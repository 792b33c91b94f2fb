import { describe, expect, it } from 'vitest';
import { encodeSFrame } from '../../../src/iec104/apci.js';
import { ControllingLink, Iec104Link } from '../../../src/iec104/link.js';
import { FakeClock } from '../../support/fake-clock.js';
import { controlledLink as setup, peerI, STARTDT_ACT, STARTDT_CON, STOPDT_ACT, STOPDT_CON, TESTFR_ACT, TESTFR_CON } from '../../support/link-harness.js';

/** M_SP_NA_1 spontaneous, CA 1, IOA 1, SPI on: what a charger reports. */
const ASDU = Buffer.from([1, 0x01, 3, 0, 1, 0, 1, 0, 0, 1]);

describe('controlled role', () => {
  it('is a role of the same link; ControllingLink keeps the controlling role', () => {
    const { link } = setup();
    expect(link).toBeInstanceOf(Iec104Link);
    expect(link.role).toBe('controlled');
    const gateway = new ControllingLink({ send: () => undefined, close: () => undefined, clock: new FakeClock() });
    expect(gateway.role).toBe('controlling');
    expect(new Iec104Link({ send: () => undefined, close: () => undefined, clock: new FakeClock() }).role).toBe('controlling');
  });

  it('never sends STARTDT or STOPDT act itself: start() and stop() are no-ops', () => {
    const { link, sent, clock, p, transitions } = setup();
    link.start();
    link.stop();
    expect(sent).toEqual([]);
    expect(link.state).toBe('idle');
    clock.advance(p.t1 + p.t3);
    expect(sent).toEqual([]);
    expect(transitions).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('answers STARTDT act with con and becomes active, sending what was queued before', () => {
    const { link, sent, drain, transitions } = setup();
    expect(link.sendAsdu(ASDU)).toBe(true);
    expect(link.sendAsdu(ASDU)).toBe(true);
    expect(sent).toEqual([]);
    expect(link.queuedCount).toBe(2);
    link.receive(STARTDT_ACT);
    expect(drain()).toEqual([
      { format: 'U', fn: 'STARTDT_CON' },
      { format: 'I', ns: 0, nr: 0 },
      { format: 'I', ns: 1, nr: 0 },
    ]);
    expect(link.state).toBe('active');
    expect(transitions).toEqual(['idle -> active (startdt-act)']);
    // A repeated STARTDT act is confirmed again without a state change.
    link.receive(STARTDT_ACT);
    expect(sent.splice(0)).toEqual([STARTDT_CON]);
    expect(transitions).toHaveLength(1);
  });

  it('answers STOPDT act after acknowledging received I-frames, queues while stopped and resumes on STARTDT', () => {
    const { link, drain, activate, transitions } = setup();
    activate();
    link.receive(peerI(0));
    link.receive(peerI(1));
    link.receive(STOPDT_ACT);
    expect(drain()).toEqual([
      { format: 'S', nr: 2 },
      { format: 'U', fn: 'STOPDT_CON' },
    ]);
    expect(link.state).toBe('stopped');
    link.sendAsdu(ASDU);
    expect(drain()).toEqual([]);
    link.receive(STARTDT_ACT);
    expect(drain()).toEqual([
      { format: 'U', fn: 'STARTDT_CON' },
      { format: 'I', ns: 0, nr: 2 },
    ]);
    expect(transitions).toEqual(['idle -> active (startdt-act)', 'active -> stopped (stopdt-act)', 'stopped -> active (startdt-act)']);
  });

  it('confirms a STOPDT act received before any STARTDT and stays idle', () => {
    const { link, sent } = setup();
    link.receive(STOPDT_ACT);
    expect(sent).toEqual([STOPDT_CON]);
    expect(link.state).toBe('idle');
  });

  it('answers TESTFR act in any state', () => {
    const { link, sent, activate } = setup();
    link.receive(TESTFR_ACT);
    expect(sent.splice(0)).toEqual([TESTFR_CON]);
    activate();
    link.receive(TESTFR_ACT);
    expect(sent.splice(0)).toEqual([TESTFR_CON]);
  });

  it('ignores STARTDT con and STOPDT con it never asked for', () => {
    const { link, sent, transitions } = setup();
    link.receive(Buffer.concat([STARTDT_CON, STOPDT_CON]));
    expect(sent).toEqual([]);
    expect(link.state).toBe('idle');
    expect(transitions).toEqual([]);
  });

  it('runs t3 from STARTDT on: TESTFR act after t3 idle, t1 closes when its con does not come', () => {
    const { link, sent, activate, clock, p, closes } = setup();
    activate();
    clock.advance(p.t3 - 1);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent.splice(0)).toEqual([TESTFR_ACT]);
    link.receive(TESTFR_CON);
    clock.advance(p.t1);
    expect(closes).toEqual([]);
    clock.advance(p.t3 - p.t1);
    expect(sent.splice(0)).toEqual([TESTFR_ACT]);
    clock.advance(p.t1);
    expect(closes).toEqual(['t1']);
    expect(link.state).toBe('closed');
  });
});

describe('controlled role shares flow control and sequence checks', () => {
  it('acks after w I-frames or t2, and piggybacks on its own I-frames', () => {
    const { link, drain, activate, clock, p } = setup({ w: 2 });
    activate();
    link.receive(peerI(0));
    expect(drain()).toEqual([]);
    link.receive(peerI(1));
    expect(drain()).toEqual([{ format: 'S', nr: 2 }]);
    link.receive(peerI(2));
    clock.advance(p.t2);
    expect(drain()).toEqual([{ format: 'S', nr: 3 }]);
    link.receive(peerI(3));
    link.sendAsdu(ASDU);
    expect(drain()).toEqual([{ format: 'I', ns: 0, nr: 4 }]);
    clock.advance(p.t2);
    expect(drain()).toEqual([]);
  });

  it('stalls at k and resumes as the gateway acknowledges', () => {
    const { link, drain, activate } = setup({ k: 3, w: 2 });
    activate();
    for (let i = 0; i < 5; i++) link.sendAsdu(ASDU);
    expect(drain()).toEqual([0, 1, 2].map((ns) => ({ format: 'I', ns, nr: 0 })));
    expect(link.queuedCount).toBe(2);
    link.receive(encodeSFrame(2));
    expect(drain()).toEqual([3, 4].map((ns) => ({ format: 'I', ns, nr: 0 })));
    expect(link.unackedCount).toBe(3);
  });

  it('closes with t1 when the gateway never acknowledges an I-frame', () => {
    const { link, activate, clock, p, closes } = setup({ t3: 60_000 });
    activate();
    link.sendAsdu(ASDU);
    clock.advance(p.t1 - 1);
    expect(closes).toEqual([]);
    clock.advance(1);
    expect(closes).toEqual(['t1']);
  });

  it('closes on an invalid N(R) and on an out-of-order N(S)', () => {
    const a = setup();
    a.activate();
    a.link.receive(encodeSFrame(1));
    expect(a.closes).toEqual(['invalid-nr']);
    const b = setup();
    b.activate();
    b.link.receive(peerI(1));
    expect(b.closes).toEqual(['ns-out-of-order']);
    expect(b.asdus).toEqual([]);
  });

  it('dispose clears every timer', () => {
    const { link, activate, clock } = setup();
    activate();
    link.receive(peerI(0));
    link.sendAsdu(ASDU);
    link.dispose();
    expect(clock.pending).toBe(0);
    expect(link.state).toBe('closed');
  });
});
