/**
 * Which command a YKC answer settles, through the whole gateway (issue 12, point 2): the YKC
 * simulator over real TCP (it echoes each command's sequence in its answer, docs/protocols/ykc.md §1), the YKC codec
 * with its default command time-out, the station engine waiting at most 1 s
 * (`OCPPCommCtrlr.ChargerCommandTimeout`), and ocpp-rpc's strict RPCServer as the CSMS. A pile that
 * leaves one command unanswered and answers the next has its answer taken for the next one; a pile
 * that answers after the station's wait (within the codec's) has the station follow what it did.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { YkcFrameOf } from '../../codecs/ykc/index.js';
import type { YkcAnswers, YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import type { TestCsms } from '../support/csms.js';
import { YkcRig } from '../support/ykc-rig.js';

const rig = new YkcRig();

afterEach(async () => {
  expect(await rig.close()).toEqual([]);
});

/** A 60 kW one-gun pile answering as `answers` says, booted and reported; the codec's time-out is its default. */
async function pile(code: string, answers: YkcAnswers): Promise<{ c: TestCsms; s: YkcChargerSimulator; client: RPCClient }> {
  const { c, s } = await rig.start(code, { codecOptions: { ratedPowerW: 60_000 }, preset: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' }, sim: { realTimeIntervalMs: 100, answers } });
  return { c, s, client: await c.client(code) };
}

describe('YKC: an answer settles the command it answers', () => {
  it('Reset: the pile ignores the first 0x92 and refuses the second: the second is Rejected ChargerRefused, not Timeout', async () => {
    const code = '32010200000081';
    const { c, s, client } = await pile(code, { reboot: 'silent' });
    expect(await client.call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    s.answers.reboot = 'refuse';
    expect(await client.call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    expect(c.calls.filter((x) => x.identity === code && x.action === 'BootNotification')).toHaveLength(1);
  }, 30_000);

  it('RequestStopTransaction: the pile ignores the first 0x36 and stops on the second: the second is Accepted', async () => {
    const code = '32010200000082';
    const { c, s, client } = await pile(code, { remoteStop: 'silent' });
    expect((await s.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    const started = await c.waitForCall((x) => x.identity === code && x.action === 'TransactionEvent' && x.params.eventType === 'Started', 10_000);
    const transactionId = (started.params as { transactionInfo: { transactionId: string } }).transactionInfo.transactionId;
    expect(await client.call('RequestStopTransaction', { transactionId })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    s.answers.remoteStop = 'execute';
    expect(await client.call('RequestStopTransaction', { transactionId })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.identity === code && x.action === 'TransactionEvent' && x.params.eventType === 'Ended', 10_000);
  }, 30_000);

  it('SetChargingProfile: the pile ignores a 0x52 and confirms the next: the profile is Accepted and installed', async () => {
    const code = '32010200000083';
    const { s, client } = await pile(code, { workParams: 'silent' });
    const profile = (id: number, limit: number): Record<string, unknown> => ({
      evseId: 0,
      chargingProfile: {
        id,
        stackLevel: id,
        chargingProfilePurpose: 'ChargingStationMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: 1, startSchedule: new Date(Date.now() - 60_000).toISOString(), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
      },
    });
    expect(await client.call('SetChargingProfile', profile(1, 30_000))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    s.answers.workParams = 'execute';
    expect(await client.call('SetChargingProfile', profile(2, 45_000))).toEqual({ status: 'Accepted' });
    expect(await client.call('GetChargingProfiles', { requestId: 1, chargingProfile: { chargingProfileId: [2] } })).toEqual({ status: 'Accepted' });
  }, 30_000);
});

describe('YKC: a pile that answers after the station stopped waiting', () => {
  const maxProfile = (limit: number): Record<string, unknown> => ({
    evseId: 0,
    chargingProfile: {
      id: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargingStationMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: 1, startSchedule: new Date(Date.now() - 60_000).toISOString(), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
    },
  });

  it('ChangeAvailability: Rejected Timeout; the late 0x51 success then makes the EVSE Unavailable', async () => {
    const code = '32010200000084';
    const { c, s, client } = await pile(code, {});
    s.answerDelayMs = 1_500;
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    await c.waitForCall((x) => x.identity === code && x.action === 'StatusNotification' && x.params.connectorStatus === 'Unavailable', 8_000);
  }, 30_000);

  it('SetChargingProfile: Rejected Timeout, not installed; the late 0x51 success is followed by 100 % again', async () => {
    const code = '32010200000085';
    const { s, client } = await pile(code, {});
    s.answerDelayMs = 1_500;
    expect(await client.call('SetChargingProfile', maxProfile(30_000))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(await client.call('GetChargingProfiles', { requestId: 1, chargingProfile: {} })).toEqual({ status: 'NoProfiles' });
    await s.waitFor((f) => f.type === 'workParams' && f.maxPowerPercent === 100, 8_000);
    expect(s.received.filter((f): f is YkcFrameOf<'workParams'> => f.type === 'workParams').map((f) => `${f.disabled}/${f.maxPowerPercent}`)).toEqual(['0/50', '0/100']);
  }, 30_000);
});
