/**
 * A reconnect the station asks for itself (a new BasicAuthPassword, OCPP 2.0.1 A09) closes the OCPP
 * connection only once the CALL in flight is answered, like a reboot does: a CALL cut off with
 * its socket is sent again on the next connection, and the CSMS would see it twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const at = (): string => new Date().toISOString();

describe('a reconnect for new credentials', () => {
  it('waits for the StatusNotification in flight to be answered before it closes the connection', async () => {
    const c = (csms = await startCsms({ replyDelayMs: { StatusNotification: 1_500 } }));
    const s = await createStation({ id: 'CS-PWD-DRAIN', url: c.url, answer: () => 'accepted' });
    stations.push(s);
    for (const n of [1, 2]) s.engine.chargerEvent({ type: 'connectorStatus', connector: n, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'boot accepted');
    const inFlight = await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 1);
    const answer = (await (
      await c.client('CS-PWD-DRAIN')
    ).call('SetVariables', {
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'pilegate-test-password-2' }],
    })) as { setVariableResult: { attributeStatus: string }[] };
    expect(answer.setVariableResult[0]?.attributeStatus).toBe('Accepted');
    await c.waitForCall((x) => x.connection > inFlight.connection, 15_000);
    await until(() => s.engine.bootState === 'accepted', 'online again', 10_000);
    expect(c.answered.has(inFlight.messageId)).toBe(true);
    const onFirst = c.calls.filter((x) => x.identity === 'CS-PWD-DRAIN' && x.connection === inFlight.connection);
    expect(onFirst.filter((x) => !c.answered.has(x.messageId)).map((x) => x.action)).toEqual([]);
    const cut = s.logs.filter((l) => / failed$/.test(l.message) && !/ not sent: /.test(String(l.data?.['error'])));
    expect(cut).toEqual([]);
  }, 40_000);
});
