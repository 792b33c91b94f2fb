/** FlowWatch: k/w that do not fit the peer's, told from a peer that merely reports periodically. */
import { describe, expect, it } from 'vitest';
import { FlowWatch } from '../../../src/iec104/link-flow.js';
import { resolveLinkParameters } from '../../../src/iec104/link-params.js';
import type { FlowWarning } from '../../../src/iec104/link-types.js';
import { FakeClock } from '../../support/fake-clock.js';

function watch(): { clock: FakeClock; flow: FlowWatch; warnings: FlowWarning[] } {
  const clock = new FakeClock(0);
  const warnings: FlowWarning[] = [];
  const flow = new FlowWatch(clock, resolveLinkParameters({ t2: 1_000, t1: 15_000 }), (w) => warnings.push(w));
  return { clock, flow, warnings };
}

describe('FlowWatch', () => {
  it('takes a peer that sends a burst right after each t2 acknowledgement, twice at one count, for one waiting on its k', () => {
    const { clock, flow, warnings } = watch();
    for (let stall = 0; stall < 3; stall++) {
      flow.ackedOnT2(3);
      clock.advance(5);
      flow.iFrame();
      flow.iFrame();
      clock.advance(1_000);
    }
    expect(warnings).toEqual([{ kind: 'peer-waits', unacknowledged: 3 }]);
  });

  it('does not take one periodic report coinciding with each t2 acknowledgement for a stall', () => {
    const { clock, flow, warnings } = watch();
    for (let i = 0; i < 10; i++) {
      flow.ackedOnT2(5);
      clock.advance(1);
      flow.iFrame();
      clock.advance(2_000);
      flow.iFrame();
    }
    expect(warnings).toEqual([]);
  });

  it('reports a window full for a second or more once, and not a short wait', () => {
    const { clock, flow, warnings } = watch();
    flow.windowFull();
    clock.advance(200);
    flow.acknowledged(true);
    flow.windowFull();
    clock.advance(1_500);
    flow.acknowledged(false);
    clock.advance(100);
    flow.acknowledged(true);
    flow.windowFull();
    clock.advance(3_000);
    flow.acknowledged(true);
    expect(warnings).toEqual([{ kind: 'window-full', waitedMs: 1_600 }]);
  });
});
