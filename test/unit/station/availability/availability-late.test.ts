/**
 * ChangeAvailability and Reset confirmed by the charger after the CSMS was told Rejected (Timeout):
 * the charger did it, so the station follows (issue 12, point 2: only what the charger confirmed
 * changes the station, and what it confirmed does). A late confirmation overtaken by a newer
 * command for the same target is not applied. And a GatewayEnforced answer stays within the
 * schema however many EVSEs the charger has.
 */
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../../../src/model/commands.js';
import type { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import { validateResponse } from '../../../../src/ocpp/schemas.js';
import { Availability } from '../../../../src/station/availability/availability.js';
import { ChargerCommands } from '../../../../src/station/charger-commands.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import type { BootReason } from '../../../../src/station/provisioning/provisioning.js';
import { Reset } from '../../../../src/station/provisioning/reset.js';
import { ResetEnds } from '../../../../src/station/provisioning/reset-ends.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../support/fake-clock.js';

/** Lets queued microtasks and immediates run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const CAPS: Capabilities = {
  connectorCount: 2,
  currentType: 'DC',
  commands: new Set(['setAvailability', 'reset']),
  measurands: new Set(['energy']),
  limitUnits: new Set(),
  evInfo: false,
  localAuthorization: false,
  transactionRecords: false,
};

/** A two-EVSE station whose charger answers nothing by itself: the test answers with `answer`. */
async function station(caps: Partial<Capabilities> = {}, outcome: (c: ChargerCommand) => CommandOutcome = () => ({ status: 'sent' })) {
  const capabilities = { ...CAPS, ...caps };
  const store = new MemoryStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 8));
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: 'CS-1', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' }, now: () => new Date(clock.now()) });
  const sent: ChargerCommand[] = [];
  const statuses: string[] = [];
  const reboots: BootReason[] = [];
  let seq = 0;
  const box: { commands?: ChargerCommands } = {};
  const ctx: StationContext = {
    id: 'CS-1',
    identity: { vendor: 'V', model: 'M' },
    capabilities,
    store,
    dm,
    rpc: {} as RpcEndpoint,
    clock,
    log: () => undefined,
    charger: {
      send: (c) => {
        sent.push(c);
        return outcome(c);
      },
    },
    call: (action, payload) => {
      if (action === 'StatusNotification') {
        const p = payload as { evseId: number; connectorStatus: string };
        statuses.push(`${p.evseId} ${p.connectorStatus}`);
      }
      return Promise.resolve({} as never);
    },
    isAccepted: () => true,
    isOnline: () => true,
    commandId: (p) => `${p}-${++seq}`,
    ...engineStubs(
      {
        queue: { drained: () => Promise.resolve() },
        transactions: { openConnectors: () => [], resetEnds: new ResetEnds(), endAllByReset: () => Promise.resolve() },
      },
      {
        reboot: (r) => {
          reboots.push(r);
          return Promise.resolve();
        },
      },
    ),
  };
  const commands = (box.commands = new ChargerCommands(ctx));
  const availability = new Availability(ctx, commands);
  const reset = new Reset(ctx, commands);
  await availability.load();
  for (const connector of [1, 2])
    availability.chargerStatus({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: new Date(clock.now()).toISOString() });
  statuses.length = 0;
  /** The charger's answer to the last command sent (or to `id`). */
  const answer = async (status: 'accepted' | 'rejected', id = sent.at(-1)?.id ?? ''): Promise<void> => {
    commands.result({ type: 'commandResult', commandId: id, status });
    await flush();
  };
  /** Runs `work` while the wait (10 s) runs out. */
  const timedOut = async <T>(work: Promise<T>): Promise<T> => {
    await flush();
    clock.advance(10_000);
    return work;
  };
  return { availability, reset, store, sent, statuses, reboots, answer, timedOut };
}

describe('ChangeAvailability confirmed late', () => {
  it('the CSMS was told Rejected Timeout; the confirmation then makes the EVSE Inoperative: persisted, StatusNotification Unavailable', async () => {
    const s = await station();
    const r = await s.timedOut(s.availability.changeAvailability({ operationalStatus: 'Inoperative', evse: { id: 2 } }));
    expect(r.response).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    r.after();
    expect(s.availability.statusOf(2)).toBe('Available');
    await s.answer('accepted');
    expect(s.availability.statusOf(2)).toBe('Unavailable');
    expect(await s.store.get('CS-1', 'availability:evse:2')).toBe('Inoperative');
    expect(s.statuses).toEqual(['2 Unavailable']);
  });

  it('a late refusal changes nothing', async () => {
    const s = await station();
    (await s.timedOut(s.availability.changeAvailability({ operationalStatus: 'Inoperative', evse: { id: 1 } }))).after();
    await s.answer('rejected');
    expect(s.availability.statusOf(1)).toBe('Available');
    expect(s.statuses).toEqual([]);
  });

  it('a station-wide change confirmed late by the whole charger makes every EVSE Unavailable', async () => {
    const s = await station();
    (await s.timedOut(s.availability.changeAvailability({ operationalStatus: 'Inoperative' }))).after();
    expect(s.sent.map((c) => c.type === 'setAvailability' && c.connector)).toEqual([0]);
    await s.answer('accepted');
    expect(await s.store.get('CS-1', 'availability')).toBe('Inoperative');
    expect(s.statuses).toEqual(['1 Unavailable', '2 Unavailable']);
  });

  it('a late confirmation overtaken by a newer change of the same EVSE is not applied', async () => {
    const s = await station();
    (await s.timedOut(s.availability.changeAvailability({ operationalStatus: 'Inoperative', evse: { id: 2 } }))).after();
    const first = s.sent.at(-1)?.id;
    const second = s.availability.changeAvailability({ operationalStatus: 'Inoperative', evse: { id: 2 } });
    await flush();
    await s.answer('rejected');
    expect((await second).response).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    await s.answer('accepted', first);
    expect(s.availability.statusOf(2)).toBe('Available');
    expect(s.statuses).toEqual([]);
  });
});

describe('a station-wide change told to each connector (no whole-charger command)', () => {
  const perConnector = (c: ChargerCommand): CommandOutcome =>
    c.type === 'setAvailability' && c.connector === 0 ? { status: 'notSupported', reason: 'no availability command for connector 0' } : { status: 'sent' };
  /** The id of the last availability command sent to `connector`. */
  const lastTo = (sent: readonly ChargerCommand[], connector: number): string => sent.findLast((c) => c.type === 'setAvailability' && c.connector === connector)?.id ?? '';

  /** A station made Inoperative by both connectors. */
  async function inoperative() {
    const s = await station({}, perConnector);
    const r = s.availability.changeAvailability({ operationalStatus: 'Inoperative' });
    await flush();
    await s.answer('accepted', lastTo(s.sent, 1));
    await s.answer('accepted', lastTo(s.sent, 2));
    expect((await r).response).toEqual({ status: 'Accepted' });
    (await r).after();
    expect([s.availability.statusOf(1), s.availability.statusOf(2)]).toEqual(['Unavailable', 'Unavailable']);
    s.statuses.length = 0;
    return s;
  }

  it('made Operative by one connector only: Rejected, and that connector, which the charger enabled, is reported Available', async () => {
    const s = await inoperative();
    const r = s.availability.changeAvailability({ operationalStatus: 'Operative' });
    await flush();
    await s.answer('accepted', lastTo(s.sent, 1));
    await s.answer('rejected', lastTo(s.sent, 2));
    const { response, after } = await r;
    expect(response).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    after();
    expect([s.availability.statusOf(1), s.availability.statusOf(2)]).toEqual(['Available', 'Unavailable']);
    expect(s.statuses).toEqual(['1 Available']);
    expect([await s.store.get('CS-1', 'availability'), await s.store.get('CS-1', 'availability:evse:2')]).toEqual(['Operative', 'Inoperative']);
  });

  it('made Operative late, one connector after the other: each is reported Available once the charger confirmed it', async () => {
    const s = await inoperative();
    (await s.timedOut(s.availability.changeAvailability({ operationalStatus: 'Operative' }))).after();
    const [one, two] = [lastTo(s.sent, 1), lastTo(s.sent, 2)];
    await s.answer('accepted', one);
    expect([s.availability.statusOf(1), s.availability.statusOf(2)]).toEqual(['Available', 'Unavailable']);
    await s.answer('accepted', two);
    expect([s.availability.statusOf(1), s.availability.statusOf(2)]).toEqual(['Available', 'Available']);
    expect(s.statuses).toEqual(['1 Available', '2 Available']);
  });
});

describe('Reset confirmed late', () => {
  it('the CSMS was told Rejected Timeout; the confirmation then reboots the station (RemoteReset), as if in time', async () => {
    const s = await station();
    const r = await s.timedOut(s.reset.reset({ type: 'Immediate' }));
    expect(r).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(s.reboots).toEqual([]);
    await s.answer('accepted');
    expect(s.reboots).toEqual(['RemoteReset']);
  });

  it('a late refusal reboots nothing; a late confirmation overtaken by a newer Reset reboots once', async () => {
    const s = await station();
    await s.timedOut(s.reset.reset({ type: 'Immediate' }));
    await s.answer('rejected');
    await s.timedOut(s.reset.reset({ type: 'Immediate' }));
    const first = s.sent.at(-1)?.id;
    const again = s.reset.reset({ type: 'Immediate' });
    await flush();
    await s.answer('accepted');
    const r = await again;
    expect(r).toMatchObject({ response: { status: 'Accepted' } });
    if ('after' in r && typeof r.after === 'function') await r.after();
    expect(s.reboots).toEqual(['RemoteReset']);
    await s.answer('accepted', first);
    expect(s.reboots).toEqual(['RemoteReset']);
  });
});

describe('what the CSMS is told stays within the schema', () => {
  it('a station-wide change a 64-gun charger cannot be told: GatewayEnforced, additionalInfo ≤ 512', async () => {
    const s = await station({ connectorCount: 64, commands: new Set(['reset']) });
    const r = await s.availability.changeAvailability({ operationalStatus: 'Inoperative' });
    expect(validateResponse('ChangeAvailability', r.response)).toBeUndefined();
    expect(r.response).toEqual({
      status: 'Accepted',
      statusInfo: {
        reasonCode: 'GatewayEnforced',
        additionalInfo:
          'the charger cannot be told (no availability command for any EVSE): the gateway reports it Unavailable and refuses remote starts there; a session started at the charger itself is not prevented',
      },
    });
  });
});
