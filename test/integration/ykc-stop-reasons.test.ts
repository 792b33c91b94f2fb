/**
 * YKC stop reasons reach the CSMS as the pile meant them: simulator -> TCP -> gateway (YKC codec,
 * shipped stop-reason map) -> station engine -> strict test CSMS. Each card session is stopped by
 * the pile with another 停止原因 code; its Ended event carries the matching stoppedReason (left
 * out only for the manual stop, Local) and the raw code as customData.legacyStopReason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcRig } from '../support/ykc-rig.js';

const PILE = '32010200000077';

const rig = new YkcRig();

afterEach(async () => {
  expect(await rig.close()).toEqual([]);
});

type Ended = { transactionInfo: { stoppedReason?: string }; triggerReason: string; customData?: { legacyTransactionId?: string; legacyStopReason?: number } };

describe('YKC stop reasons through the gateway', () => {
  it('each code the pile stops with reaches the CSMS as its stoppedReason, with the raw code', async () => {
    const { c, s: sim } = await rig.start(PILE, { sim: { gunCount: 2, realTimeIntervalMs: 100, recordResendMs: 5_000 } });
    const cases: [number, string | undefined, string][] = [
      [0x50, 'EmergencyStop', 'AbnormalCondition'],
      [0x57, 'GroundFault', 'AbnormalCondition'],
      [0x6e, 'LocalOutOfCredit', 'ChargingStateChanged'],
      [0x83, 'PowerLoss', 'AbnormalCondition'],
      [0x6b, 'EVDisconnected', 'EVCommunicationLost'],
      [0x45, undefined, 'ChargingStateChanged'],
    ];
    const seen: [number, string | undefined, string][] = [];
    for (const [i, [code]] of cases.entries()) {
      const gun = 1 + (i % 2);
      await sim.swipeCard(gun, `D14B0A${(0x10 + i).toString(16).toUpperCase()}`);
      const endedBefore = c.calls.filter((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended').length;
      await c.waitForCall(
        (x) =>
          x.action === 'TransactionEvent' &&
          x.params.eventType === 'Started' &&
          (x.params.evse as { id: number } | undefined)?.id === gun &&
          c.calls.filter((y) => y.action === 'TransactionEvent' && y.params.eventType === 'Started').length === i + 1,
        10_000,
      );
      const txn = sim.stopCharging(gun, code);
      await c.waitForCall(() => c.calls.filter((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended').length > endedBefore, 10_000);
      const ended = c.calls.filter((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended').at(-1)?.params as Ended;
      expect(ended.customData).toMatchObject({ legacyTransactionId: txn, legacyStopReason: code });
      expect('stoppedReason' in ended.transactionInfo).toBe(code !== 0x45);
      seen.push([code, ended.transactionInfo.stoppedReason, ended.triggerReason]);
      await sim.waitFor((f) => f.type === 'transactionRecordConfirm' && f.transactionNo === txn, 10_000);
    }
    expect(seen).toEqual(cases);
  }, 60_000);
});
