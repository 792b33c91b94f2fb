/**
 * CustomerInformation clear reaching a YKC pile: simulator -> TCP -> gateway (YKC codec) -> station
 * engine -> strict ocpp-rpc CSMS. A card the pile may hold outside the Local Authorization List is
 * removed from its offline-card list with 0x46; a card the list accepts stays there with the list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { endLiteStrict, startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { PASSWORD } from '../support/station.js';

const PILE = '32010200000078';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(() => {
  const ending = { csms, gateway, sim };
  [csms, gateway, sim] = [undefined, undefined, undefined];
  return endLiteStrict(ending);
});

const card = (idToken: string) => ({ idToken, type: 'ISO14443' as const });

describe('CustomerInformation on a YKC pile', () => {
  it('clear removes a card outside the Local Authorization List from the pile, and keeps the list copy', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const c = csms;
    gateway = await startLiteGateway({ csmsUrl: c.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
    const s = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: PILE, realTimeIntervalMs: 60_000 });
    sim = s;
    await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);
    const client = await c.client(PILE);
    expect(await client.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [{ idToken: card('A1B2C3D4'), idTokenInfo: { status: 'Accepted' } }] })).toEqual({
      status: 'Accepted',
    });
    await expect.poll(() => [...s.offlineCards.keys()], { timeout: 5000, interval: 20 }).toEqual(['00000000A1B2C3D4']);
    // A card the pile's former platform wrote: the gateway cannot see it.
    s.offlineCards.set('00000000D14B0A54', '0000000000000000');

    expect(await client.call('CustomerInformation', { requestId: 5, report: true, clear: true, idToken: card('D14B0A54') })).toEqual({ status: 'Accepted' });
    const notify = await c.waitForCall((x) => x.action === 'NotifyCustomerInformation' && x.params['requestId'] === 5, 10_000);
    expect(notify.params['data']).toBe('Charger offline list: the gateway cannot read it and never put the token there; removal sent to the charger.');
    await s.waitFor((f) => f.type === 'offlineCardClear', 10_000);
    expect(s.received.flatMap((f) => (f.type === 'offlineCardClear' ? f.cards : []))).toEqual(['00000000D14B0A54']);
    await expect.poll(() => [...s.offlineCards.keys()], { timeout: 5000, interval: 20 }).toEqual(['00000000A1B2C3D4']);

    expect(await client.call('CustomerInformation', { requestId: 6, report: true, clear: true, idToken: card('A1B2C3D4') })).toEqual({ status: 'Accepted' });
    const kept = await c.waitForCall((x) => x.action === 'NotifyCustomerInformation' && x.params['requestId'] === 6 && x.params['tbc'] === undefined, 10_000);
    expect(c.calls.filter((x) => x.action === 'NotifyCustomerInformation' && x.params['requestId'] === 6).map((x) => x.params['data'])).toEqual([
      'Local Authorization List (version 1): ISO14443 A1B2C3D4, status Accepted; kept: only the CSMS changes the list (SendLocalList).',
      'Charger offline list: holds the token as its copy of the Local Authorization List; kept with the list.',
    ]);
    expect(kept.params['seqNo']).toBe(1);
    expect(s.received.filter((f) => f.type === 'offlineCardClear')).toHaveLength(1);
    expect([...s.offlineCards.keys()]).toEqual(['00000000A1B2C3D4']);
  }, 30_000);
});
