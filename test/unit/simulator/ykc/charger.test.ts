/** The YKC charger model without a socket: it logs in, then heartbeats on the injected clock only. */
import { describe, expect, it } from 'vitest';
import { decodeYkcFrame, encodeYkcFrame, YkcFramer, type YkcFrame } from '../../../../codecs/ykc/index.js';
import { YkcCharger } from '../../../../src/simulator/ykc/charger.js';
import { FakeClock } from '../../../support/fake-clock.js';

const PILE = '32010200000001';

describe('YkcCharger', () => {
  it('logs in over the attached line and heartbeats as the fake clock advances', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const framer = new YkcFramer();
    const sent: YkcFrame[] = [];
    const charger = new YkcCharger({ pileCode: PILE, heartbeatIntervalMs: 10_000, clock });
    charger.attach((bytes) => {
      for (const item of framer.push(bytes)) {
        if (item.kind !== 'frame') continue;
        const r = decodeYkcFrame(item.frame);
        if (r.ok) sent.push(r.value);
      }
    });
    const loggedIn = charger.login();
    expect(sent.map((f) => f.type)).toEqual(['login']);
    charger.receive(encodeYkcFrame({ type: 'loginAnswer', sequence: sent[0]?.sequence ?? 0, pileCode: PILE, result: 0 } as YkcFrame));
    await loggedIn;
    expect(sent.map((f) => f.type)).toEqual(['login', 'billingModelVerify', 'realTimeData']);

    clock.advance(9_999);
    expect(sent.filter((f) => f.type === 'heartbeat')).toHaveLength(0);
    clock.advance(1);
    expect(sent.filter((f) => f.type === 'heartbeat')).toHaveLength(1);
    clock.advance(20_000);
    expect(sent.filter((f) => f.type === 'heartbeat')).toHaveLength(3);

    charger.detach();
    clock.advance(60_000);
    expect(sent.filter((f) => f.type === 'heartbeat')).toHaveLength(3);
  });
});
