/**
 * A card at an EVSE the CSMS made Inoperative, on a charger that asks the gateway about every card
 * (YKC-like) but cannot be told the EVSE's availability (a YKC pile takes availability only for the
 * whole pile): ChangeAvailability is Accepted GatewayEnforced, the EVSE is reported Unavailable,
 * and the gateway refuses the card there itself: no transaction starts on an EVSE the CSMS was
 * told does not charge. Against ocpp-rpc's strict RPCServer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { AuthorizeCommand, ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { StationEngine } from '../../src/station/engine.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, PILE_CAPABILITIES, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const TWO_GUN_PILE: Capabilities = { ...PILE_CAPABILITIES, connectorCount: 2, commands: new Set([...PILE_CAPABILITIES.commands, 'setAvailability']) };

describe('a card at an Inoperative EVSE the charger cannot be told about', () => {
  it('is refused by the gateway without asking the CSMS; the other EVSE still takes cards', async () => {
    const c = (csms = await startCsms());
    const ref: { engine?: StationEngine } = {};
    const answers: AuthorizeCommand[] = [];
    const send = (command: ChargerCommand): CommandOutcome => {
      if (command.type === 'authorize') answers.push(command);
      if (command.type === 'setAvailability' && command.connector !== 0) return { status: 'notSupported', reason: 'availability applies to the whole pile only' };
      setImmediate(() => ref.engine?.chargerEvent({ type: 'commandResult', commandId: command.id, status: 'accepted' }));
      return { status: 'sent' };
    };
    const s = await createStation({ id: 'CS-INOP-CARD', url: c.url, extra: { charger: { send }, capabilities: TWO_GUN_PILE } });
    stations.push(s);
    ref.engine = s.engine;
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'boot accepted');
    for (const connector of [1, 2]) s.engine.chargerEvent({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    const client = await c.client('CS-INOP-CARD');
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toMatchObject({ status: 'Accepted', statusInfo: { reasonCode: 'GatewayEnforced' } });
    await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 1 && x.params.connectorStatus === 'Unavailable');

    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 1, idToken: { id: 'CARD-1', type: 'card' }, requestId: 'a' });
    await until(() => answers.length === 1, 'the answer at EVSE 1');
    expect(answers[0]).toMatchObject({ connector: 1, accepted: false });
    expect(c.calls.filter((x) => x.action === 'Authorize')).toEqual([]);

    s.engine.chargerEvent({ type: 'authorizationRequest', connector: 2, idToken: { id: 'CARD-1', type: 'card' }, requestId: 'b' });
    await until(() => answers.length === 2, 'the answer at EVSE 2');
    expect(answers[1]).toMatchObject({ connector: 2, accepted: true });
  }, 30_000);
});
