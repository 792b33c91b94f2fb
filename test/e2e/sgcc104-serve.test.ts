/**
 * Family B end to end through the real command, per shipped dialect: the catalogue-driven charger
 * simulator -> TCP -> `pilegate serve` (a child process, one family-B listener per dialect, its
 * catalogue as the mapping) -> OCPP 2.0.1 -> strict ocpp-rpc CSMS. Login and boot, a card session
 * (Authorize, Started with the card, periodic meter values, the charge record -> Ended -> its
 * confirmation), the same record resent (one Ended, two confirmations), remote start and stop where
 * the dialect has them (B1 has no remote start: the CSMS is told so; its remote stop ends a card
 * session), all with zero CALLERRORs and
 * zero strict-validation failures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { connectSgcc104Simulator, type Sgcc104ChargerSimulator, type Sgcc104SimulatorOptions, type SessionFigures } from '../../src/simulator/sgcc104/simulator.js';
import { repoRoot } from '../support/cli.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';
import { expectCleanOcpp } from './fleet-support.js';
import { SIMULATOR_PACE, startSgcc104Serve, tx, type Sgcc104Serve, type TxParams } from './sgcc104-support.js';

const DIALECTS = ['b1', 'b2', 'b3'] as const;
type DialectName = (typeof DIALECTS)[number];
const PASSWORD = 'sgcc104-e2e-password-0123456789';

let dir: string;
let csms: TestCsms;
let serve: Sgcc104Serve;
const sims: Sgcc104ChargerSimulator[] = [];

/** Terminal ids: per dialect and test, unique. */
const terminal = (d: DialectName, n: number): string => `31000000${DIALECTS.indexOf(d) + 1}00${String(n).padStart(5, '0')}`;
/** A fourth listener: B3 with the operator's options of the example file (a tariff, a rated power). */
const TARIFF_ID = '3100000000990001';
const ALL = [...DIALECTS.flatMap((d) => [1, 2, 3].map((n) => terminal(d, n))), TARIFF_ID];

beforeAll(async () => {
  csms = await startCsms({ passwords: Object.fromEntries(ALL.map((id) => [id, PASSWORD])) });
  dir = mkdtempSync(join(tmpdir(), 'pilegate-sgcc104-e2e-'));
  serve = await startSgcc104Serve({
    dir,
    csmsUrl: csms.url,
    password: PASSWORD,
    dialects: [...DIALECTS, 'example-options'],
    files: { 'example-options': join(repoRoot, 'mappings/sgcc104/example-options.yaml') },
    store: 'memory',
  });
}, 40_000);

afterAll(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await serve?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 20_000);

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  expectCleanOcpp(csms);
});

const txEvents = (identity: string): TxParams[] => csms.calls.filter((x) => x.identity === identity && x.action === 'TransactionEvent').map(tx);
const reading = (e: TxParams | undefined, context: string): number | undefined =>
  e?.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === context && (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')?.value;

/** A charger of dialect `d` that dials its listener, boots as a station, and gets periodic values every second. */
async function charger(d: DialectName, n: number, extra: Partial<Sgcc104SimulatorOptions> = {}, listener: string = d): Promise<{ sim: Sgcc104ChargerSimulator; id: string; ended: SessionFigures[] }> {
  const id = extra.chargerId ?? terminal(d, n);
  const ended: SessionFigures[] = [];
  const sim = await connectSgcc104Simulator({
    host: '127.0.0.1',
    port: serve.ports[listener] ?? 0,
    dialect: loadDialect(join(repoRoot, `mappings/sgcc104/${d}.yaml`)),
    chargerId: id,
    ...SIMULATOR_PACE,
    onEvent: (e) => {
      if (e.type === 'sessionEnded') ended.push(e.figures);
    },
    ...extra,
  });
  sims.push(sim);
  await csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification', 20_000);
  const client = await csms.client(id);
  const set = (await client.call('SetVariables', {
    setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' }],
  })) as { setVariableResult: { attributeStatus: string }[] };
  expect(set.setVariableResult.map((r) => r.attributeStatus)).toEqual(['Accepted']);
  return { sim, id, ended };
}

const waitTx = async (id: string, type: TxParams['eventType']): Promise<TxParams> =>
  tx(await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && tx(c).eventType === type, 20_000));

describe.each(DIALECTS)('family B (%s): simulator -> pilegate serve -> strict CSMS', (d) => {
  it('a card session: Authorize, Started with the card, periodic meter values, the charge record -> Ended -> confirmation', async () => {
    const { sim, id, ended: figures } = await charger(d, 1);
    const card = '1234567890123456';
    const swipe = await sim.swipeCard(1, card, { timeoutMs: 20_000 });
    expect(swipe.accepted).toBe(true);
    const auth = await csms.waitForCall((c) => c.identity === id && c.action === 'Authorize');
    expect(auth.params).toMatchObject({ idToken: { idToken: card, type: 'ISO14443' } });
    const started = await waitTx(id, 'Started');
    expect(started.seqNo).toBe(0);
    // The card accepted at the charger is the transaction's, whether a session record names it (B2, B3) or not (B1).
    expect(started.idToken).toEqual({ idToken: card, type: 'ISO14443' });
    await until(() => txEvents(id).filter((e) => e.triggerReason === 'MeterValuePeriodic').length >= 2, 'two periodic meter values', 20_000);

    const serial = sim.stopCharging(1, 'socLimitReached');
    const ended = await waitTx(id, 'Ended');
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'SOCLimitReached' });
    expect(ended.customData).toMatchObject({ legacyTransactionId: serial });
    const f = figures[0];
    expect(f?.energyWh).toBeGreaterThan(0);
    // What the charger counted, at the CSMS: its time-of-use energies, and the register at the end
    // where its record carries it (B1's does not), never less than a periodic value.
    const periods = ended.customData?.periods ?? [];
    expect(periods.reduce((sum, p) => sum + p.energyWh, 0)).toBe(f?.energyWh);
    const end = reading(ended, 'Transaction.End');
    if (f !== undefined && sim.dialect.records.some((r) => r.meaning === 'chargeRecord' && r.fields.some((x) => x.role === 'meterStop'))) expect(end).toBe(f.meterStopWh);
    const periodic = txEvents(id)
      .filter((e) => e.triggerReason === 'MeterValuePeriodic')
      .map((e) => reading(e, 'Sample.Periodic') ?? 0);
    if (end !== undefined) expect(end).toBeGreaterThanOrEqual(Math.max(...periodic));
    await until(() => sim.outbox.confirmed.includes(serial ?? ''), 'the confirmation', 20_000);
    expect(sim.outbox.confirmations).toEqual([serial]);
    const events = txEvents(id);
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
  }, 90_000);

  it('the same record sent again (its first confirmation lost): one Ended, two confirmations', async () => {
    const { sim, id } = await charger(d, 2, { loseConfirms: 1, recordResendMs: 1_500 });
    expect((await sim.swipeCard(1, '6543210987654321', { timeoutMs: 20_000 })).accepted).toBe(true);
    await waitTx(id, 'Started');
    // B1 carries the end reason as its record type: 1 (unplugged) is the card request's record type too, told apart by length.
    const serial = sim.stopCharging(1, 'evDisconnected') ?? '';
    await until(() => sim.outbox.confirmed.includes(serial), 'the record confirmed after its resend', 20_000);
    expect(sim.outbox.sends.get(serial)).toBe(2);
    expect(sim.outbox.confirmations).toEqual([serial, serial]);
    await new Promise((r) => setTimeout(r, 1_000));
    const ended = txEvents(id).filter((e) => e.eventType === 'Ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.transactionInfo.stoppedReason).toBe('EVDisconnected');
  }, 90_000);

  it('remote start and stop where the dialect has them (B1: told it cannot start; its stop ends a card session)', async () => {
    const { sim, id } = await charger(d, 3);
    const client = await csms.client(id);
    const answer = (await client.call('RequestStartTransaction', { idToken: { idToken: '7007', type: 'Central' }, remoteStartId: 7, evseId: 1 })) as { status: string };
    let started: TxParams;
    if (!sim.dialect.records.some((r) => r.meaning === 'remoteStart')) {
      expect(answer.status).toBe('Rejected');
      expect(sim.gun(1).charging).toBe(false);
      // B1 has a remote stop (TI 0x45) but no stop result: a card session, stopped from the CSMS, is
      // seen stopping through the charger's monitoring and its charge record.
      expect((await sim.swipeCard(1, '1234567890127007', { timeoutMs: 20_000 })).accepted).toBe(true);
      started = await waitTx(id, 'Started');
      expect(started).toMatchObject({ idToken: { idToken: '1234567890127007' } });
    } else {
      expect(answer.status).toBe('Accepted');
      started = await waitTx(id, 'Started');
      expect(started).toMatchObject({ triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 7 } });
    }
    expect(sim.gun(1).charging).toBe(true);
    await until(() => txEvents(id).some((e) => e.triggerReason === 'MeterValuePeriodic'), 'a periodic meter value', 20_000);
    expect(await client.call('RequestStopTransaction', { transactionId: started.transactionInfo.transactionId })).toEqual({ status: 'Accepted' });
    const ended = await waitTx(id, 'Ended');
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'Remote' });
    await until(() => sim.outbox.confirmed.length === 1, 'the confirmation', 20_000);
    expect(sim.gun(1).charging).toBe(false);
  }, 90_000);
});

describe('family B: the billing model from the listener options', () => {
  it('the charger asks after login, adopts the tariff the gateway downloads, and bills its session with it: the Ended carries its amounts', async () => {
    // Below the options' rated power (7 kW), or the record would be held as implausible.
    const { sim, id, ended: figures } = await charger('b3', 0, { chargerId: TARIFF_ID, powerW: 6_600, voltageV: 220 }, 'example-options');
    await until(() => sim.tariff.billingModelId === '0000000000000001', 'the billing model adopted', 10_000);
    expect(sim.tariff.prices.flat).toEqual({ energy: 0.7, service: 0.6 });
    expect(sim.tariff.periods.map((p) => p.from)).toEqual(['00:00', '08:00', '10:00', '15:00', '18:00', '21:00']);
    expect((await sim.swipeCard(1, '1111222233334444', { timeoutMs: 20_000 })).accepted).toBe(true);
    await waitTx(id, 'Started');
    await new Promise((r) => setTimeout(r, 6_000));
    const serial = sim.stopCharging(1, 'local');
    const ended = await waitTx(id, 'Ended');
    const f = figures[0];
    expect(ended.customData).toMatchObject({ legacyTransactionId: serial, amount: Math.round((f?.amountYuan ?? -1) * 100) });
    expect(f?.amountYuan).toBeGreaterThan(0);
    const periods = ended.customData?.periods ?? [];
    expect(periods.reduce((s, p) => s + (p.amount ?? 0), 0)).toBe(ended.customData?.amount);
    await until(() => sim.outbox.confirmed.includes(serial ?? ''), 'the confirmation', 20_000);
  }, 60_000);
});
