/**
 * What the CSMS is told when a YKC pile refuses a command or does not answer (issue 12, points 2
 * and 4): the YKC simulator over real TCP, the gateway's charger session with the YKC codec, the
 * station engine and ocpp-rpc's strict RPCServer as the CSMS. The station waits for the pile's
 * answer frame (0x51, 0x91, 0x35...), at most `OCPPCommCtrlr.ChargerCommandTimeout` (1 s here);
 * silence ends with the codec's own time-out (0.8 s here).
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { YkcFrameOf } from '../../codecs/ykc/index.js';
import type { YkcAnswers, YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import type { TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';
import { YkcRig } from '../support/ykc-rig.js';

const rig = new YkcRig();

afterEach(async () => {
  expect(await rig.close()).toEqual([]);
});

/**
 * A 60 kW one-gun pile answering as `answers` says, booted and reported. The codec gives up on an
 * unanswered command after 800 ms, before the station's 1 s (as its default 8 s is before the
 * station's default 10 s), so that silence ends with the codec's own time-out.
 */
async function pile(code: string, answers: YkcAnswers): Promise<{ c: TestCsms; s: YkcChargerSimulator; client: RPCClient }> {
  const { c, s } = await rig.start(code, {
    codecOptions: { ratedPowerW: 60_000, commandTimeoutMs: 800 },
    preset: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' },
    sim: { realTimeIntervalMs: 100, answers },
  });
  return { c, s, client: await c.client(code) };
}

/** The 0x52 frames the pile received, as "disabled/percent". */
const workParams = (s: YkcChargerSimulator): string[] => s.received.filter((f): f is YkcFrameOf<'workParams'> => f.type === 'workParams').map((f) => `${f.disabled}/${f.maxPowerPercent}`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('YKC: ChangeAvailability and Reset', () => {
  it('ChangeAvailability (0x52): Rejected when the pile answers failure or nothing, Accepted and Unavailable once it answered success', async () => {
    const code = '32010200000071';
    const { c, s, client } = await pile(code, { workParams: 'refuse' });
    const unavailable = (): boolean => c.calls.some((x) => x.identity === code && x.action === 'StatusNotification' && x.params.connectorStatus === 'Unavailable');
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    s.answers.workParams = 'silent';
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(unavailable()).toBe(false);
    s.answers.workParams = 'execute';
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.identity === code && x.action === 'StatusNotification' && x.params.connectorStatus === 'Unavailable');
    expect(workParams(s)).toEqual(['1/100', '1/100', '1/100']);
  }, 30_000);

  it('Reset (0x92): a refused or unanswered reboot is Rejected and the station does not boot again; an accepted one boots with RemoteReset', async () => {
    const code = '32010200000072';
    const { c, s, client } = await pile(code, { reboot: 'refuse' });
    expect(await client.call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    s.answers.reboot = 'silent';
    expect(await client.call('Reset', { type: 'OnIdle' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    await sleep(1_500);
    expect(c.calls.filter((x) => x.identity === code && x.action === 'BootNotification')).toHaveLength(1);
    s.answers.reboot = 'execute';
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.identity === code && x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 8_000);
    // Immediate: reboot now (mode 1); OnIdle: when idle (mode 2).
    expect(s.received.filter((f): f is YkcFrameOf<'reboot'> => f.type === 'reboot').map((f) => f.mode)).toEqual([1, 2, 1]);
  }, 30_000);
});

describe('YKC: Reset Immediate during a session', () => {
  it('the pile confirms 0x92: the transaction Ended (ResetCommand, ImmediateReset) before the new boot; the pile record then corrects its figures only', async () => {
    const code = '32010200000075';
    const { c, s, client } = await pile(code, {});
    const txs = (): Record<string, unknown>[] => c.calls.filter((x) => x.identity === code && x.action === 'TransactionEvent').map((x) => x.params);
    expect((await s.swipeCard(1, '1000000000000001')).authResult).toBe(1);
    await c.waitForCall((x) => x.identity === code && x.action === 'TransactionEvent' && x.params.eventType === 'Started', 8_000);
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    const boot = await c.waitForCall((x) => x.identity === code && x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 10_000);
    const ended = txs().filter((t) => t['eventType'] === 'Ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ triggerReason: 'ResetCommand', transactionInfo: { stoppedReason: 'ImmediateReset' }, customData: { recordPending: true } });
    expect(c.calls.findIndex((x) => x.identity === code && x.action === 'TransactionEvent' && x.params.eventType === 'Ended')).toBeLessThan(c.calls.indexOf(boot));
    // The pile's session stops with the reboot and its record comes: the same transaction, its figures corrected, never opened again.
    s.stopCharging(1);
    await until(() => txs().filter((t) => t['eventType'] === 'Ended').length === 2, 'the correction', 8_000);
    const all = txs();
    expect(all.map((t) => t['eventType'])).toEqual(['Started', 'Ended', 'Ended']);
    expect(new Set(all.map((t) => (t['transactionInfo'] as { transactionId: string }).transactionId)).size).toBe(1);
    expect(all.map((t) => t['seqNo'])).toEqual([0, 1, 2]);
    expect(all[2]).toMatchObject({ transactionInfo: { stoppedReason: 'ImmediateReset' }, customData: { correction: true } });
  }, 40_000);
});

describe('YKC: charging limits (0x52 max power %)', () => {
  it('a ChargingStationMaxProfile in W becomes the pile maximum %; clearing it sends 100 %; a refused one is Rejected and not installed', async () => {
    const code = '32010200000073';
    const { s, client } = await pile(code, {});
    const profile = (id: number, limit: number): Record<string, unknown> => ({
      evseId: 0,
      chargingProfile: {
        id,
        stackLevel: 0,
        chargingProfilePurpose: 'ChargingStationMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: 1, startSchedule: new Date(Date.now() - 60_000).toISOString(), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
      },
    });
    expect(await client.call('SetChargingProfile', profile(1, 30_000))).toEqual({ status: 'Accepted' });
    expect(workParams(s)).toEqual(['0/50']);
    expect(await client.call('ClearChargingProfile', { chargingProfileId: 1 })).toEqual({ status: 'Accepted' });
    expect(workParams(s)).toEqual(['0/50', '0/100']);
    s.answers.workParams = 'refuse';
    expect(await client.call('SetChargingProfile', profile(2, 45_000))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    expect(await client.call('GetChargingProfiles', { requestId: 1, chargingProfile: {} })).toEqual({ status: 'NoProfiles' });
    expect(workParams(s)).toEqual(['0/50', '0/100', '0/75']);
    // Below the pile's 30 % minimum: sent as 30 %, and the answer says so.
    s.answers.workParams = 'execute';
    expect(await client.call('SetChargingProfile', profile(3, 10_000))).toEqual({
      status: 'Accepted',
      statusInfo: { reasonCode: 'ChargerNote', additionalInfo: 'limit 10000 W is below the pile minimum: clamped to 30 % (18000 W)' },
    });
    expect(workParams(s)).toEqual(['0/50', '0/100', '0/75', '0/30']);
  }, 30_000);
});

describe('YKC: remote stop', () => {
  it('RequestStopTransaction (0x36): Rejected naming the 0x35 failure reason, or Timeout when the pile says nothing', async () => {
    const code = '32010200000074';
    const { c, s, client } = await pile(code, { remoteStop: 'refuse' });
    expect((await s.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    const started = await c.waitForCall((x) => x.identity === code && x.action === 'TransactionEvent' && x.params.eventType === 'Started', 10_000);
    const transactionId = (started.params as { transactionInfo: { transactionId: string } }).transactionInfo.transactionId;
    expect(await client.call('RequestStopTransaction', { transactionId })).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'other' } });
    s.answers.remoteStop = 'silent';
    expect(await client.call('RequestStopTransaction', { transactionId })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    s.answers.remoteStop = 'execute';
    expect(await client.call('RequestStopTransaction', { transactionId })).toEqual({ status: 'Accepted' });
  }, 30_000);
});
