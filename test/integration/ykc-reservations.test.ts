/**
 * A reservation on a YKC pile: the pile asks the gateway about every card (0x31 → 0x32), so the
 * gateway refusing other cards at the reserved gun is all it takes; nothing is sent to the pile
 * for the reservation. The whole path: YKC simulator → TCP → gateway → station engine → ocpp-rpc's
 * strict RPCServer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { endLiteStrict, startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { PASSWORD, until } from '../support/station.js';

const PILE = '32010200000071';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(() => {
  const ending = { csms, gateway, sim };
  [csms, gateway, sim] = [undefined, undefined, undefined];
  return endLiteStrict(ending);
});

describe('reservations on a YKC pile', () => {
  it('refuses another card at the reserved gun (0x32 refused), lets the reserved card start, and its Started carries the reservationId', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const c = csms;
    gateway = await startLiteGateway({ csmsUrl: c.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: PILE, realTimeIntervalMs: 100, recordResendMs: 5_000 });
    const statuses = (): string[] => c.calls.filter((x) => x.identity === PILE && x.action === 'StatusNotification').map((x) => String(x.params.connectorStatus));
    await until(() => statuses().includes('Available'), 'gun 1 Available', 15_000);
    const client = await c.client(PILE);
    const expiryDateTime = new Date(Date.now() + 600_000).toISOString();
    expect(await client.call('ReserveNow', { id: 41, expiryDateTime, idToken: { idToken: 'D14B0A54', type: 'ISO14443' }, evseId: 1 })).toEqual({ status: 'Accepted' });
    await until(() => statuses().at(-1) === 'Reserved', 'gun 1 Reserved', 10_000);

    const refused = await sim.swipeCard(1, 'A0A0A0A0');
    expect(refused.authResult).toBe(0);
    expect(c.calls.filter((x) => x.action === 'Authorize')).toEqual([]);

    const accepted = await sim.swipeCard(1, 'D14B0A54');
    expect(accepted.authResult).toBe(1);
    const started = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started', 10_000);
    expect(started.params).toMatchObject({ reservationId: 41, idToken: { idToken: 'D14B0A54', type: 'ISO14443' } });
    expect(await client.call('CancelReservation', { reservationId: 41 })).toMatchObject({ status: 'Rejected' });
  }, 30_000);
});
