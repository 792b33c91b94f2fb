/**
 * ChangeAvailability reaching the charger against ocpp-rpc's strict RPCServer: a station-wide
 * change goes to the whole charger when its protocol has such a command (YKC 0x52) and to each
 * connector otherwise (an IEC 104 mapping per connector); a change of the only EVSE of a charger
 * goes to the whole charger when that is all its protocol can say. The charger here confirms every
 * command; a change it cannot be told is Accepted with statusInfo GatewayEnforced.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../codecs/iec104-points/session.js';
import type { ChargerCommand, CommandOutcome, SetAvailabilityCommand } from '../../src/model/commands.js';
import type { StationEngine } from '../../src/station/engine.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

/** A station whose charger takes availability commands only for the connectors `takes` allows. */
async function station(id: string, takes: (connector: number) => boolean, mapping: 'example-dc-2gun' | 'example-ac-1gun' = 'example-dc-2gun') {
  csms ??= await startCsms();
  const told: SetAvailabilityCommand[] = [];
  const ref: { engine?: StationEngine } = {};
  const send = (c: ChargerCommand): CommandOutcome => {
    if (c.type !== 'setAvailability') return { status: 'sent' };
    if (!takes(c.connector)) return { status: 'notSupported', reason: `no availability command for connector ${c.connector}` };
    told.push(c);
    setImmediate(() => ref.engine?.chargerEvent({ type: 'commandResult', commandId: c.id, status: 'accepted' }));
    return { status: 'sent' };
  };
  const s = await createStation({ id, url: csms.url, extra: { charger: { send }, capabilities: capabilitiesOf(loadExampleMapping(mapping)) } });
  stations.push(s);
  ref.engine = s.engine;
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  const client: RPCClient = await csms.client(id);
  const change = async (operationalStatus: 'Operative' | 'Inoperative', evse?: number): Promise<unknown> => {
    const answer = (await client.call('ChangeAvailability', { operationalStatus, ...(evse !== undefined ? { evse: { id: evse } } : {}) })) as { status: string };
    expect(answer.status).toBe('Accepted');
    return answer;
  };
  /** What the charger was told since the last call, once `n` commands came. */
  const toldNow = async (n: number): Promise<string[]> => {
    await until(() => told.length >= n, `${n} availability command(s) at the charger`);
    return told.splice(0).map((c) => `${c.connector}:${c.available ? 'on' : 'off'}`);
  };
  return { s, change, toldNow };
}

const enforced = (s: TestStation, evse: number): boolean => s.logs.some((l) => l.message === 'charger availability not changed, the gateway enforces it' && l.data?.['evse'] === evse);

describe('ChangeAvailability to the charger', () => {
  it('tells a whole-charger-only charger once for a station-wide change; a change of one of its two EVSEs stays at the gateway', async () => {
    const { s, change, toldNow } = await station('CS-AV-PILE', (c) => c === 0);
    await change('Inoperative');
    expect(await toldNow(1)).toEqual(['0:off']);
    await change('Operative');
    expect(await toldNow(1)).toEqual(['0:on']);
    expect(await change('Inoperative', 1)).toMatchObject({ statusInfo: { reasonCode: 'GatewayEnforced' } });
    await until(() => enforced(s, 1), 'the gateway to enforce it');
    expect(await toldNow(0)).toEqual([]);
  });

  it('tells each connector of a per-connector charger for a station-wide change', async () => {
    const { s, change, toldNow } = await station('CS-AV-GUNS', (c) => c > 0);
    await change('Inoperative');
    expect(await toldNow(2)).toEqual(['1:off', '2:off']);
    await change('Inoperative', 2);
    expect(await toldNow(1)).toEqual(['2:off']);
    expect(enforced(s, 0)).toBe(false);
  });

  it('tells the whole of a one-connector charger when it cannot be told per connector', async () => {
    const { change, toldNow } = await station('CS-AV-ONE', (c) => c === 0, 'example-ac-1gun');
    await change('Inoperative', 1);
    expect(await toldNow(1)).toEqual(['0:off']);
    await change('Operative', 1);
    expect(await toldNow(1)).toEqual(['0:on']);
  });
});
