/**
 * YKC end to end through the real command: YKC charger simulator -> TCP -> `pilegate serve` (a child
 * process, config file written here, YKC listener) -> OCPP 2.0.1 -> strict ocpp-rpc CSMS. A card
 * session and an app (remote) session must complete with zero CALLERRORs and zero strict-validation
 * failures, with the energy the charger reported (Begin, periodic, End), the mapped stoppedReason,
 * the idToken and the record's amount and time-of-use figures (custom data); a record the charger sends again must produce one Ended event and two 0x40s; a CSMS
 * outage mid-session must lose nothing.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { YkcFrame, YkcFrameOf } from '../../codecs/ykc/index.js';
import { connectYkcSimulator, type YkcChargerSimulator, type YkcSimulatorOptions } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';
import { servedPortOf, spawnServe } from './serve-process.js';

const PASSWORD = 'ykc-e2e-password-0123456789';

interface TxParams {
  eventType: 'Started' | 'Updated' | 'Ended';
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  idToken?: { idToken: string; type: string };
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string; chargingState?: string };
  meterValue?: { sampledValue: { value: number; context?: string; measurand?: string }[] }[];
  customData?: { legacyTransactionId?: string; legacyStopReason?: number; amount?: number; periods?: { period: string; energyWh: number; amount?: number }[] };
}

interface Serve {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Parsed pino lines written so far. */
  lines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

let dir: string;
let csms: TestCsms;
let serve: Serve;
const sims: YkcChargerSimulator[] = [];

/** Runs `pilegate serve --config <file>` and resolves once it prints its YKC listener. */
async function startServe(configFile: string): Promise<Serve> {
  const proc = spawnServe(configFile, PASSWORD);
  const port = await servedPortOf(proc, 'ykc');
  return { child: proc.child, port, lines: () => proc.lines(), stop: () => proc.stop('SIGINT') };
}

beforeAll(async () => {
  csms = await startCsms({ passwords: Object.fromEntries(['01', '02', '03', '04'].map((n) => [pile(n), PASSWORD])) });
  dir = mkdtempSync(join(tmpdir(), 'pilegate-ykc-e2e-'));
  writeFileSync(join(dir, 'ykc.yaml'), 'heartbeatIntervalMs: 10000\ncommandTimeoutMs: 10000\n');
  writeFileSync(
    join(dir, 'pilegate.yaml'),
    [
      'listeners:',
      '  - { port: 0, host: 127.0.0.1, codec: ykc, mapping: ykc.yaml }',
      `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
      'stations: { unknownChargers: provision }',
      'store: memory',
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info }',
    ].join('\n'),
  );
  serve = await startServe(join(dir, 'pilegate.yaml'));
}, 40_000);

afterAll(async () => {
  for (const s of sims.splice(0)) s.close();
  await serve?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 20_000);

afterEach(() => {
  for (const s of sims.splice(0)) s.close();
  // Zero CALLERRORs either way and zero strict-validation failures, whatever the test did.
  expect(csms.strictFailures).toEqual([]);
  expect(csms.errorsSent.map((e) => JSON.stringify(e.frame).slice(0, 300))).toEqual([]);
  expect(csms.replies.filter((r) => r.frame[0] === 4).map((r) => JSON.stringify(r.frame).slice(0, 300))).toEqual([]);
});

function pile(n: string): string {
  return `320102000000${n}`;
}

const tx = (c: StationCall): TxParams => c.params as unknown as TxParams;
const txEvents = (c: TestCsms, identity: string): TxParams[] => c.calls.filter((x) => x.identity === identity && x.action === 'TransactionEvent').map(tx);
const energyOf = (e: TxParams, context: string): number | undefined =>
  e.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === context && v.measurand === 'Energy.Active.Import.Register')?.value;
/** Energy as the codec reports it: the frame's kWh (4 decimals) in Wh, 1 decimal. */
const wh = (kwh: number): number => Math.round(kwh * 10_000) / 10;
/** An amount as the codec reports it: the frame's CNY (4 decimals) in fen, 2 decimals. */
const fen = (yuan: number): number => Math.round(yuan * 10_000) / 100;
/** What the Ended event's custom data says of a record's amount and time-of-use periods. */
const recordFigures = (r: YkcFrameOf<'transactionRecord'>) => ({
  amount: fen(r.totalAmountYuan),
  periods: (['tip', 'peak', 'flat', 'valley'] as const).map((period) => ({ period, energyWh: wh(r[period].energyKwh), amount: fen(r[period].amountYuan) })),
});

/** A charger that dials the serve process, boots as a station and gets fast periodic values and reconnects. */
async function charger(n: string, extra: Partial<YkcSimulatorOptions> = {}): Promise<{ sim: YkcChargerSimulator; id: string; out: YkcFrame[] }> {
  const id = pile(n);
  const out: YkcFrame[] = [];
  const sim = await connectYkcSimulator({
    host: '127.0.0.1',
    port: serve.port,
    pileCode: id,
    realTimeIntervalMs: 250,
    recordResendMs: 30_000,
    voltageV: 500,
    currentA: 200,
    onFrame: (direction, f) => {
      if (direction === 'out') out.push(f);
    },
    ...extra,
  });
  sims.push(sim);
  await csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification', 20_000);
  const client = await csms.client(id);
  const set = (await client.call('SetVariables', {
    setVariableData: [
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'RetryBackOffWaitMinimum' }, attributeValue: '1' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'RetryBackOffRandomRange' }, attributeValue: '0' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'RetryBackOffRepeatTimes' }, attributeValue: '1' },
    ],
  })) as { setVariableResult: { attributeStatus: string }[] };
  expect(set.setVariableResult.map((r) => r.attributeStatus)).toEqual(['Accepted', 'Accepted', 'Accepted', 'Accepted']);
  return { sim, id, out };
}

/** 0x13 energy values (Wh) the simulator sent while charging under `txn`. */
const sentEnergies = (out: YkcFrame[], txn: string): number[] =>
  out.filter((f): f is YkcFrameOf<'realTimeData'> => f.type === 'realTimeData' && f.transactionNo === txn && f.status === 3).map((f) => wh(f.energyKwh));
const sentRecord = (out: YkcFrame[], txn: string): YkcFrameOf<'transactionRecord'> | undefined =>
  out.find((f): f is YkcFrameOf<'transactionRecord'> => f.type === 'transactionRecord' && f.transactionNo === txn);

/** Checks one complete transaction's meter values against what the charger sent. */
function checkMeterValues(events: TxParams[], out: YkcFrame[], txn: string): void {
  const started = events.find((e) => e.eventType === 'Started');
  const ended = events.find((e) => e.eventType === 'Ended');
  expect(started && energyOf(started, 'Transaction.Begin')).toBe(0);
  const sent = sentEnergies(out, txn);
  const periodic = events.filter((e) => e.triggerReason === 'MeterValuePeriodic').map((e) => energyOf(e, 'Sample.Periodic'));
  expect(periodic.length).toBeGreaterThanOrEqual(1);
  for (const v of periodic) expect(sent).toContain(v);
  const record = sentRecord(out, txn);
  expect(record).toBeDefined();
  const end = ended && energyOf(ended, 'Transaction.End');
  expect(end).toBe(wh(record?.totalEnergyKwh ?? -1));
  expect(end).toBeGreaterThan(0);
  expect(end).toBeGreaterThanOrEqual(Math.max(...periodic.map((v) => v ?? 0)));
  expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
}

describe('YKC simulator -> pilegate serve -> strict CSMS', () => {
  it('a card session: Authorize, Started with the card, periodic energy as sent, Ended SOCLimitReached, record confirmed', async () => {
    const { sim, id, out } = await charger('01');
    const confirm = await sim.swipeCard(1, 'D14B0A54', 20_000);
    expect(confirm.authResult).toBe(1);
    const auth = await csms.waitForCall((c) => c.identity === id && c.action === 'Authorize');
    expect(auth.params).toMatchObject({ idToken: { idToken: 'D14B0A54', type: 'ISO14443' } });
    const started = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Started', 15_000));
    expect(started).toMatchObject({ seqNo: 0, triggerReason: 'Authorized', idToken: { idToken: 'D14B0A54', type: 'ISO14443' }, transactionInfo: { chargingState: 'Charging' } });
    await until(() => txEvents(csms, id).filter((e) => e.triggerReason === 'MeterValuePeriodic').length >= 2, 'two periodic meter values', 15_000);

    expect(sim.stopCharging(1, 0x41)).toBe(confirm.transactionNo);
    const ended = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Ended', 15_000));
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'SOCLimitReached' });
    expect(ended.customData).toMatchObject({ legacyTransactionId: confirm.transactionNo, legacyStopReason: 0x41 });
    // The record's amount and time-of-use figures (OCPP has no field for them) as custom data.
    const record = sentRecord(out, confirm.transactionNo);
    expect(record && recordFigures(record).amount).toBeGreaterThan(0);
    expect(ended.customData).toMatchObject(record !== undefined ? recordFigures(record) : { amount: 'no record sent' });
    checkMeterValues(txEvents(csms, id), out, confirm.transactionNo);
    await until(() => sim.confirmed.includes(confirm.transactionNo), 'the 0x40', 15_000);
    expect(sim.confirmations).toEqual([confirm.transactionNo]);
  }, 90_000);

  it('an app session: RequestStartTransaction -> 0x34, Started RemoteStart with the Central idToken, RequestStopTransaction -> Ended Remote', async () => {
    const { sim, id, out } = await charger('02');
    const client = await csms.client(id);
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP-USER-7', type: 'Central' }, remoteStartId: 7, evseId: 1 })).toEqual({ status: 'Accepted' });
    const remoteStart = (await sim.waitFor((f) => f.type === 'remoteStart', 10_000)) as YkcFrameOf<'remoteStart'>;
    const started = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Started', 15_000));
    expect(started).toMatchObject({
      seqNo: 0,
      triggerReason: 'RemoteStart',
      idToken: { idToken: 'APP-USER-7', type: 'Central' },
      transactionInfo: { remoteStartId: 7, chargingState: 'Charging' },
    });
    await until(() => txEvents(csms, id).filter((e) => e.triggerReason === 'MeterValuePeriodic').length >= 2, 'two periodic meter values', 15_000);

    expect(await client.call('RequestStopTransaction', { transactionId: started.transactionInfo.transactionId })).toEqual({ status: 'Accepted' });
    const ended = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Ended', 15_000));
    expect(ended).toMatchObject({ triggerReason: 'RemoteStop', transactionInfo: { transactionId: started.transactionInfo.transactionId, stoppedReason: 'Remote' } });
    expect(ended.customData).toMatchObject({ legacyTransactionId: remoteStart.transactionNo, legacyStopReason: 0x40 });
    checkMeterValues(txEvents(csms, id), out, remoteStart.transactionNo);
    await until(() => sim.confirmed.includes(remoteStart.transactionNo), 'the 0x40', 15_000);
  }, 90_000);

  it('a record sent again (its first 0x40 lost) yields one Ended event and two 0x40 confirmations', async () => {
    const { sim, id } = await charger('03', { loseConfirms: 1, recordResendMs: 2_500 });
    const confirm = await sim.swipeCard(1, 'A1B2C3D4', 20_000);
    await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Started', 15_000);
    const txn = sim.stopCharging(1, 0x45) ?? '';
    await until(() => sim.confirmed.includes(txn), 'the record confirmed after its resend', 20_000);
    expect(sim.recordSends.get(txn)).toBe(2);
    expect(sim.confirmations).toEqual([txn, txn]);
    // The second copy was handled (and confirmed) with nothing new queued.
    await until(() => serve.lines().some((l) => l['msg'] === 'transaction record sent again: confirmed, nothing new' && l['legacyTransactionId'] === txn), 'the resend logged', 15_000);
    const ended = txEvents(csms, id).filter((e) => e.eventType === 'Ended');
    expect(ended).toHaveLength(1);
    // 0x45 (manual stop at the charger) is Local: OCPP leaves stoppedReason out for Local.
    expect(ended[0]?.transactionInfo.stoppedReason).toBeUndefined();
    expect(ended[0]?.customData).toMatchObject({ legacyTransactionId: confirm.transactionNo, legacyStopReason: 0x45 });
  }, 90_000);

  it('a CSMS outage mid-session loses nothing: events after the reconnect in order, continuous seqNo, offline: true', async () => {
    const { sim, id, out } = await charger('04');
    const confirm = await sim.swipeCard(1, 'D14B0A54', 20_000);
    const started = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Started', 15_000));
    const port = csms.port;
    const before = csms;
    await before.close();
    // The charger charges on while the CSMS is away (2 s of 0x13 at 250 ms: two TxUpdatedIntervals),
    // then ends the session: periodic values and the end are queued, and the record is confirmed to
    // the charger once queued.
    const atClose = sentEnergies(out, confirm.transactionNo).length;
    await until(() => sentEnergies(out, confirm.transactionNo).length >= atClose + 8, 'real-time data during the outage', 15_000);
    const txn = sim.stopCharging(1, 0x6b) ?? '';
    await until(() => sim.confirmed.includes(txn), 'the record confirmed while the CSMS is down', 15_000);
    csms = await startCsms({ port, passwords: { [id]: PASSWORD } });
    const ended = tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === 'Ended', 30_000));
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'EVDisconnected' });
    expect(ended.offline).toBe(true);

    const replayed = txEvents(csms, id);
    const firstOffline = replayed.findIndex((e) => e.offline === true);
    expect(firstOffline).toBeGreaterThanOrEqual(0);
    // Everything produced after the outage was noticed is offline, periodic values and the end.
    expect(replayed.slice(firstOffline).every((e) => e.offline === true)).toBe(true);
    expect(replayed.slice(firstOffline).filter((e) => e.triggerReason === 'MeterValuePeriodic').length).toBeGreaterThanOrEqual(1);
    expect(replayed.every((e) => e.transactionInfo.transactionId === started.transactionInfo.transactionId)).toBe(true);
    // In order, seqNo continuing where the first CSMS left off (an event unacknowledged at the close
    // may come again, as it was), and nothing missing over both CSMS instances.
    expect(replayed.map((e) => e.seqNo)).toEqual(replayed.map((_, i) => (replayed[0]?.seqNo ?? 0) + i));
    const seen = new Set([...txEvents(before, id), ...replayed].map((e) => e.seqNo));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: ended.seqNo + 1 }, (_, i) => i));
    expect(csms.calls.some((c) => c.identity === id && c.action === 'BootNotification')).toBe(false);
    checkMeterValues(
      [...seen].sort((a, b) => a - b).map((n) => [...txEvents(before, id), ...replayed].find((e) => e.seqNo === n) as TxParams),
      out,
      txn,
    );
    expect(before.strictFailures).toEqual([]);
    expect(before.errorsSent).toEqual([]);
  }, 90_000);
});
