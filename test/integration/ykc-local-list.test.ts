/**
 * The CSMS's Local Authorization List reaching a YKC pile: simulator -> TCP -> gateway (YKC codec)
 * -> station engine -> strict ocpp-rpc CSMS. SendLocalList becomes 0x44 (push) and 0x46 (clear)
 * frames carrying the listed cards; the pile's 0x43 / 0x45 answers complete the command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { endLiteStrict, startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { PASSWORD, until } from '../support/station.js';

const PILE = '32010200000077';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(() => {
  const ending = { csms, gateway, sim };
  [csms, gateway, sim] = [undefined, undefined, undefined];
  return endLiteStrict(ending);
});

const card = (idToken: string, status?: 'Accepted' | 'Blocked') => ({ idToken: { idToken, type: 'ISO14443' as const }, ...(status !== undefined ? { idTokenInfo: { status } } : {}) });

describe('YKC offline cards from the Local Authorization List', () => {
  it('SendLocalList Full and Differential reach the pile as 0x44 / 0x46 with the right cards', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    gateway = await startLiteGateway({ csmsUrl: csms.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
    const s = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: PILE, realTimeIntervalMs: 60_000 });
    sim = s;
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 10_000);
    const client = await csms.client(PILE);

    const full = [card('D14B0A54', 'Accepted'), card('A1B2C3D4', 'Accepted'), card('0BAD0BAD', 'Blocked')];
    expect(await client.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: full })).toEqual({ status: 'Accepted' });
    await s.waitFor((f) => f.type === 'offlineCardSync', 10_000);
    const syncs = s.received.filter((f) => f.type === 'offlineCardSync');
    expect(syncs.flatMap((f) => (f.type === 'offlineCardSync' ? f.cards : []))).toEqual([
      { logicalCardNo: '0000000000000000', physicalCardNo: '00000000D14B0A54' },
      { logicalCardNo: '0000000000000000', physicalCardNo: '00000000A1B2C3D4' },
    ]);
    expect(s.received.some((f) => f.type === 'offlineCardClear')).toBe(false);

    expect(
      await client.call('SendLocalList', { versionNumber: 2, updateType: 'Differential', localAuthorizationList: [card('A1B2C3D4'), card('12345678', 'Accepted'), card('D14B0A54', 'Blocked')] }),
    ).toEqual({
      status: 'Accepted',
    });
    await s.waitFor((f) => f.type === 'offlineCardSync' && f.cards.some((c) => c.physicalCardNo.endsWith('12345678')), 10_000);
    const clears = s.received.filter((f) => f.type === 'offlineCardClear');
    expect(clears.flatMap((f) => (f.type === 'offlineCardClear' ? f.cards : [])).sort()).toEqual(['00000000A1B2C3D4', '00000000D14B0A54']);
    // The pile now holds exactly the Accepted cards of the CSMS's list (12345678 is decimal: its logical number too).
    await expect.poll(() => Object.fromEntries(s.offlineCards), { timeout: 5000, interval: 20 }).toEqual({ '0000000012345678': '0000000012345678' });

    expect(await client.call('SendLocalList', { versionNumber: 3, updateType: 'Full', localAuthorizationList: [card('CAFEF00D', 'Accepted')] })).toEqual({ status: 'Accepted' });
    await expect.poll(() => [...s.offlineCards.keys()], { timeout: 5000, interval: 20 }).toEqual(['00000000CAFEF00D']);
    expect(await client.call('GetLocalListVersion', {})).toEqual({ versionNumber: 3 });
  }, 30_000);

  it('a pile that did not take a change gets the whole list when it connects again; a pile in step is left alone', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    gateway = await startLiteGateway({ csmsUrl: csms.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
    const s = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: PILE, realTimeIntervalMs: 60_000, offlineCardCapacity: 2 });
    sim = s;
    const c = csms;
    const boots = (): number => c.calls.filter((x) => x.identity === PILE && x.action === 'BootNotification').length;
    await until(() => boots() === 1, 'the first boot', 10_000);
    /** Hangs up and dials again; returns the index of the first frame the new connection receives. */
    const reconnect = async (): Promise<number> => {
      const n = boots();
      s.close();
      await until(() => c.openConnections.get(PILE) === 0, 'the station to leave the CSMS with its pile', 10_000);
      const mark = s.received.length;
      await s.connect();
      await until(() => boots() === n + 1 && c.openConnections.get(PILE) === 1, 'the station to boot again', 10_000);
      return mark;
    };
    const cardFrames = (from: number) =>
      s.received
        .slice(from)
        .flatMap((f) =>
          f.type === 'offlineCardSync' ? [`+${f.cards.map((x) => x.physicalCardNo.slice(8)).join(',')}`] : f.type === 'offlineCardClear' ? [`-${f.cards.map((x) => x.slice(8)).join(',')}`] : [],
        );
    const held = () => [...s.offlineCards.keys()].map((k) => k.slice(8)).sort();
    const send = async (versionNumber: number, updateType: 'Full' | 'Differential', list: ReturnType<typeof card>[]) =>
      expect(await (await c.client(PILE)).call('SendLocalList', { versionNumber, updateType, localAuthorizationList: list })).toEqual({ status: 'Accepted' });

    await send(1, 'Full', [card('0000000A', 'Accepted'), card('0000000B', 'Accepted')]);
    await expect.poll(held, { timeout: 5000, interval: 20 }).toEqual(['0000000A', '0000000B']);

    // In step: the new connection carries no offline-card frame before the next change, which the
    // pile cannot store in full (storage full for C and D).
    let mark = await reconnect();
    await send(2, 'Differential', [card('0000000A'), card('0000000C', 'Accepted'), card('0000000D', 'Accepted')]);
    await until(() => s.received.slice(mark).some((f) => f.type === 'offlineCardSync'), 'the push of C and D', 5000);
    expect(cardFrames(mark)).toEqual(['-0000000A', '+0000000C,0000000D']);
    expect(held()).toEqual(['0000000B']);

    // Out of step: once the pile has room, the next connection gets the whole list again.
    s.offlineCardCapacity = 10;
    mark = await reconnect();
    await expect.poll(held, { timeout: 5000, interval: 20 }).toEqual(['0000000B', '0000000C', '0000000D']);
    expect(cardFrames(mark)).toEqual(['-0000000A', '+0000000B,0000000C,0000000D']);

    // Confirmed: in step again, so the following connection is left alone.
    const inStep = () => gateway?.logs.filter((l) => l.message === 'the charger confirmed the local authorization list: its copy is in step').length ?? 0;
    await until(() => inStep() === 2, 'the resync confirmed', 5000);
    mark = await reconnect();
    await send(3, 'Differential', [card('0000000B')]);
    await until(() => s.received.slice(mark).some((f) => f.type === 'offlineCardClear'), 'the clear of B', 5000);
    expect(cardFrames(mark)).toEqual(['-0000000B']);
    await expect.poll(held, { timeout: 5000, interval: 20 }).toEqual(['0000000C', '0000000D']);
  }, 60_000);
});
