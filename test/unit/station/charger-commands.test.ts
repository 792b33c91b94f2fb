/**
 * The one bounded wait for the charger's answer to a command (issue 12, point 2): confirmed,
 * refused with the codec's words, refused by the codec before sending, failed on the way, or not
 * answered within OCPPCommCtrlr.ChargerCommandTimeout — and a confirmation that comes after the
 * CSMS was told Rejected reaches the block that sent the command, so the station follows the charger.
 */
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../../src/model/commands.js';
import { ChargerCommands, statusInfo } from '../../../src/station/charger-commands.js';
import { DeviceModel } from '../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { FakeClock } from '../../support/fake-clock.js';

const CAPS: Capabilities = {
  connectorCount: 1,
  currentType: 'AC',
  commands: new Set(['reset', 'unlock']),
  measurands: new Set(['energy']),
  limitUnits: new Set(),
  evInfo: false,
  localAuthorization: false,
  transactionRecords: false,
};

async function setup(outcome: (c: ChargerCommand) => CommandOutcome = () => ({ status: 'sent' }), preset?: string) {
  const store = new MemoryStore();
  const clock = new FakeClock(0);
  const dm = await DeviceModel.load({ store, capabilities: CAPS, config: { identity: 'CS-1', securityProfile: 1 } });
  if (preset !== undefined) await dm.set([{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'ChargerCommandTimeout' }, attributeValue: preset }]);
  const sent: ChargerCommand[] = [];
  const logs: string[] = [];
  const commands = new ChargerCommands({
    capabilities: CAPS,
    clock,
    dm,
    log: (_level, message) => logs.push(message),
    charger: {
      send: (c) => {
        sent.push(c);
        return outcome(c);
      },
    },
  });
  return { commands, clock, sent, logs };
}

const reset = (id: string): ChargerCommand => ({ type: 'reset', id, kind: 'soft' });

describe('ChargerCommands', () => {
  it('resolves with the first answer: accepted, or refused with the codec words', async () => {
    const { commands } = await setup();
    const ok = commands.run(reset('r1'));
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'accepted' })).toBe(true);
    // The ACT_TERM after the ACT_CON: nobody waits any more.
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'completed' })).toBe(false);
    expect(await ok).toEqual({ ok: true, status: 'accepted' });
    const refused = commands.run(reset('r2'));
    commands.result({ type: 'commandResult', commandId: 'r2', status: 'rejected', reason: 'negative ACT_CON', raw: 7 });
    expect(await refused).toEqual({ ok: false, reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' });
    const coded = commands.run(reset('r3'));
    commands.result({ type: 'commandResult', commandId: 'r3', status: 'rejected', raw: 0 });
    expect(await coded).toEqual({ ok: false, reasonCode: 'ChargerRefused', additionalInfo: 'the charger answered failure (code 0)' });
    const lost = commands.run(reset('r4'));
    commands.result({ type: 'commandResult', commandId: 'r4', status: 'failed', reason: 'link down' });
    expect(await lost).toEqual({ ok: false, reasonCode: 'ChargerFailed', additionalInfo: 'link down' });
    const codecTimeout = commands.run(reset('r5'));
    commands.result({ type: 'commandResult', commandId: 'r5', status: 'timeout', reason: 'no ACT_CON within 10000 ms' });
    expect(await codecTimeout).toEqual({ ok: false, reasonCode: 'Timeout', additionalInfo: 'no ACT_CON within 10000 ms' });
  });

  it('a command the codec refuses at once, or the charger does not have, is never waited for', async () => {
    const { commands, sent, clock } = await setup((c) =>
      c.type === 'unlock' ? { status: 'notSupported', reason: 'the mapping has no unlock command for connector 1' } : { status: 'rejected', reason: 'IEC 104 link is starting' },
    );
    expect(await commands.run(reset('r1'))).toEqual({ ok: false, reasonCode: 'NotSent', additionalInfo: 'IEC 104 link is starting' });
    expect(await commands.run({ type: 'unlock', id: 'u1', connector: 1 })).toEqual({ ok: false, reasonCode: 'NotSupported', additionalInfo: 'the mapping has no unlock command for connector 1' });
    expect(await commands.run({ type: 'setLimit', id: 'l1', connector: 1, limit: { value: 1, unit: 'W' } })).toEqual({
      ok: false,
      reasonCode: 'NotSupported',
      additionalInfo: 'this charger has no setLimit command',
    });
    expect(sent.map((c) => c.id)).toEqual(['r1', 'u1']);
    expect(clock.pending).toBe(0);
  });

  it('answers Timeout after OCPPCommCtrlr.ChargerCommandTimeout; a late refusal is logged and changes nothing', async () => {
    const { commands, clock, logs } = await setup(undefined, '3');
    const late: unknown[] = [];
    const answer = commands.run(reset('r1'), { late: (o) => late.push(o) });
    clock.advance(2_999);
    let settled = false;
    void answer.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    const r = await answer;
    expect(r).toEqual({ ok: false, reasonCode: 'Timeout', additionalInfo: 'no answer from the charger within 3 s' });
    if (!r.ok) expect(statusInfo(r)).toEqual({ reasonCode: 'Timeout', additionalInfo: 'no answer from the charger within 3 s' });
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'rejected', reason: 'negative ACT_CON' })).toBe(false);
    expect(late).toEqual([]);
    expect(logs).toEqual(['charger did not answer in time: the CSMS is told Rejected', 'charger refused after the CSMS was told Rejected: nothing changes']);
  });

  it('a confirmation after the wait ran out goes to the late handler of the block that sent the command, once', async () => {
    const { commands, clock, logs } = await setup(undefined, '3');
    const late: unknown[] = [];
    const answer = commands.run(reset('r1'), { late: (o) => late.push(o) });
    clock.advance(3_000);
    expect(await answer).toMatchObject({ ok: false, reasonCode: 'Timeout' });
    // The codec's own time-out after the station's: the command may still be confirmed.
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'timeout' })).toBe(false);
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'accepted', reason: 'clamped' })).toBe(true);
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'completed' })).toBe(false);
    expect(late).toEqual([{ ok: true, status: 'accepted', note: 'clamped' }]);
    expect(logs.at(-1)).toBe('charger confirmed after the CSMS was told Rejected: the station follows what it did');
  });

  it('a confirmation after the codec reported a time-out goes to the late handler too', async () => {
    const { commands } = await setup();
    const late: unknown[] = [];
    const answer = commands.run(reset('r1'), { late: (o) => late.push(o) });
    commands.result({ type: 'commandResult', commandId: 'r1', status: 'timeout', reason: 'no answer within 8000 ms' });
    expect(await answer).toEqual({ ok: false, reasonCode: 'Timeout', additionalInfo: 'no answer within 8000 ms' });
    commands.result({ type: 'commandResult', commandId: 'r1', status: 'accepted' });
    expect(late).toEqual([{ ok: true, status: 'accepted' }]);
  });

  it('no late handler: a late confirmation is only logged; a refusal, a failure or a connection lost is never late', async () => {
    const { commands, clock, logs } = await setup(undefined, '3');
    const plain = commands.run(reset('r1'));
    clock.advance(3_000);
    await plain;
    commands.result({ type: 'commandResult', commandId: 'r1', status: 'accepted' });
    expect(logs.at(-1)).toBe('charger confirmed after the CSMS was told Rejected: no state here depends on it');
    const late: unknown[] = [];
    const refused = commands.run(reset('r2'), { late: (o) => late.push(o) });
    commands.result({ type: 'commandResult', commandId: 'r2', status: 'rejected' });
    await refused;
    const lost = commands.run(reset('r3'), { late: (o) => late.push(o) });
    clock.advance(3_000);
    await lost;
    commands.result({ type: 'commandResult', commandId: 'r3', status: 'failed', reason: 'connection closed' });
    commands.result({ type: 'commandResult', commandId: 'r2', status: 'accepted' });
    commands.result({ type: 'commandResult', commandId: 'r3', status: 'accepted' });
    expect(late).toEqual([]);
  });

  it('the station stops: every wait ends at once with its timer, nothing is sent or followed after', async () => {
    const { commands, clock, sent } = await setup(undefined, '3');
    const late: unknown[] = [];
    const timedOut = commands.run(reset('r0'), { late: (o) => late.push(o) });
    clock.advance(3_000);
    await timedOut;
    const waiting = commands.run(reset('r1'), { late: (o) => late.push(o) });
    expect(clock.pending).toBe(1);
    commands.dispose();
    expect(await waiting).toEqual({ ok: false, reasonCode: 'ChargerFailed', additionalInfo: 'the station stopped before the charger answered' });
    expect(clock.pending).toBe(0);
    expect(commands.result({ type: 'commandResult', commandId: 'r0', status: 'accepted' })).toBe(false);
    expect(commands.result({ type: 'commandResult', commandId: 'r1', status: 'accepted' })).toBe(false);
    expect(await commands.run(reset('r2'))).toEqual({ ok: false, reasonCode: 'NotSent', additionalInfo: 'the station stopped' });
    expect(sent.map((c) => c.id)).toEqual(['r0', 'r1']);
    expect(late).toEqual([]);
  });

  it('a codec that throws counts as not sent', async () => {
    const { commands } = await setup(() => {
      throw new Error('boom');
    });
    expect(await commands.run(reset('r1'))).toEqual({ ok: false, reasonCode: 'NotSent', additionalInfo: 'boom' });
  });
});
