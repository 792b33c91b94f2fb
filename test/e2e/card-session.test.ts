/**
 * Acceptance: a card-started session with periodic meter values, end to end — YKC charger
 * simulator -> TCP -> gateway charger session (YKC codec) -> station engine -> OCPP 2.0.1 ->
 * ocpp-rpc strict CSMS. Authorize for the card, Started with the token and Transaction.Begin,
 * MeterValuePeriodic Updated events with Sample.Periodic values, an Ended event with the stop
 * reason the charger gave and its Transaction.End value, continuous seqNo, no CALLERROR either way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { PASSWORD, until } from '../support/station.js';

const PILE = '32010200000077';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  sim?.close();
  await gateway?.close();
  await csms?.close();
  csms = gateway = sim = undefined;
});

type Sampled = { value: number; context?: string; measurand?: string };
type TxParams = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  evse?: unknown;
  idToken?: { idToken: string; type: string };
  transactionInfo: { transactionId: string; stoppedReason?: string; chargingState?: string };
  meterValue?: { timestamp: string; sampledValue: Sampled[] }[];
  customData?: Record<string, unknown>;
};
const params = (c: StationCall): TxParams => c.params as unknown as TxParams;
const txEvents = (c: TestCsms): TxParams[] => c.calls.filter((x) => x.action === 'TransactionEvent').map(params);

describe('acceptance: a card-started session with periodic meter values', () => {
  it('reports Authorize, Started with the card, periodic meter values and an Ended event with the charger stop reason, without a CALLERROR', async () => {
    const c = (csms = await startCsms({ passwords: { [PILE]: PASSWORD } }));
    gateway = await startLiteGateway({
      csmsUrl: c.url,
      codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) },
      preset: { 'SampledDataCtrlr.TxUpdatedInterval': '1' },
    });
    const s = (sim = await connectYkcSimulator({ host: '127.0.0.1', port: gateway.port, pileCode: PILE, realTimeIntervalMs: 150, recordResendMs: 5_000 }));
    await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);

    const confirm = await s.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    expect((await c.waitForCall((x) => x.action === 'Authorize')).params).toEqual({ idToken: { idToken: 'D14B0A54', type: 'ISO14443' } });
    const started = params(await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started', 10_000));
    expect(started).toMatchObject({ seqNo: 0, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'D14B0A54', type: 'ISO14443' }, transactionInfo: { chargingState: 'Charging' } });
    expect(started.meterValue?.[0]?.sampledValue[0]).toMatchObject({ context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register' });

    // Real-time data every 150 ms, TxUpdatedInterval 1 s: at least two periodic Updated events.
    await until(() => txEvents(c).filter((e) => e.triggerReason === 'MeterValuePeriodic').length >= 2, 'two periodic Updated events', 10_000);
    const periodic = txEvents(c).filter((e) => e.triggerReason === 'MeterValuePeriodic');
    for (const e of periodic) {
      expect(e.eventType).toBe('Updated');
      expect(e.evse).toBeUndefined();
      expect(e.meterValue).toHaveLength(1);
      const values = e.meterValue?.[0]?.sampledValue ?? [];
      expect(values.length).toBeGreaterThan(0);
      expect(values.every((v) => v.context === 'Sample.Periodic')).toBe(true);
      expect(values.map((v) => v.measurand)).toContain('Power.Active.Import');
    }

    // The charger stops at 100 % SoC (YKC stop reason 0x41).
    const txn = s.stopCharging(1, 0x41);
    const ended = params(await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended', 10_000));
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'SOCLimitReached' });
    expect(ended.evse).toBeUndefined();
    expect(ended.customData).toMatchObject({ vendorId: 'pilegate', legacyTransactionId: txn, legacyStopReason: 0x41 });
    const end = ended.meterValue?.at(-1)?.sampledValue[0];
    expect(end).toMatchObject({ context: 'Transaction.End', measurand: 'Energy.Active.Import.Register' });
    expect(end?.value).toBeGreaterThanOrEqual(started.meterValue?.[0]?.sampledValue[0]?.value ?? Infinity);
    await s.waitFor((f) => f.type === 'transactionRecordConfirm', 10_000);
    expect(s.confirmed).toEqual([txn]);

    const all = txEvents(c);
    expect(all.map((e) => e.seqNo)).toEqual(all.map((_, i) => i));
    expect(all.at(-1)?.eventType).toBe('Ended');
    expect(new Set(all.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
    // Zero CALLERRORs: none from the CSMS, none from the station, nothing the strict server refused.
    expect(c.errorsSent).toEqual([]);
    expect(c.replies.filter((r) => r.frame[0] === 4)).toEqual([]);
    expect(c.strictFailures).toEqual([]);
  }, 30_000);
});
