/**
 * A dialect is a file (issue 15): a made-up fourth family-B dialect, written only as YAML in this
 * test (its own login, type identifications, record numbers, field orders, one-octet COT and CA, a
 * two-octet IOA, big-endian figures; `test/support/sgcc104-made-up-dialect.ts`), runs whole
 * charging sessions end to end: the catalogue-driven simulator -> `pilegate serve` with the file as
 * its listener's mapping -> strict CSMS. A card session (Authorize, Started with the card, meter
 * values, the receipt -> Ended -> its confirmation) and a remote one (RequestStart/Stop with the
 * dialect's result records), without a line of TypeScript for the dialect.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { connectSgcc104Simulator, type Sgcc104ChargerSimulator, type SessionFigures } from '../../src/simulator/sgcc104/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { MADE_UP_DIALECT } from '../support/sgcc104-made-up-dialect.js';
import { until } from '../support/station.js';
import { expectCleanOcpp } from './fleet-support.js';
import { SIMULATOR_PACE, startSgcc104Serve, tx, type Sgcc104Serve, type TxParams } from './sgcc104-support.js';

const PASSWORD = 'sgcc104-zz-password-0123456789';
/** The dialect's charger id is ten ASCII characters. */
const ID = 'ZZ00000042';

let dir: string;
let csms: TestCsms;
let serve: Sgcc104Serve;
let sim: Sgcc104ChargerSimulator;
const ended: SessionFigures[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-sgcc104-zz-'));
  const file = join(dir, 'zz.yaml');
  writeFileSync(file, MADE_UP_DIALECT);
  csms = await startCsms({ passwords: { [ID]: PASSWORD } });
  serve = await startSgcc104Serve({ dir, csmsUrl: csms.url, password: PASSWORD, dialects: ['zz'], files: { zz: file }, store: 'memory' });
  sim = await connectSgcc104Simulator({
    host: '127.0.0.1',
    port: serve.ports['zz'] ?? 0,
    dialect: parseDialect(MADE_UP_DIALECT, file),
    chargerId: ID,
    ...SIMULATOR_PACE,
    onEvent: (e) => {
      if (e.type === 'sessionEnded') ended.push(e.figures);
    },
  });
  await csms.waitForCall((c) => c.identity === ID && c.action === 'StatusNotification', 20_000);
  const client = await csms.client(ID);
  await client.call('SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' }] });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await serve?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 20_000);

const txEvents = (): TxParams[] => csms.calls.filter((x) => x.identity === ID && x.action === 'TransactionEvent').map(tx);
const waitTx = async (type: TxParams['eventType'], from: number): Promise<TxParams> =>
  tx(await csms.waitForCall((c) => c.identity === ID && c.action === 'TransactionEvent' && tx(c).eventType === type && csms.calls.indexOf(c) >= from, 20_000));

describe('a made-up dialect written only as YAML, end to end', () => {
  it('a card session on gun 0 (connector 1): Authorize, Started with the card, meter values, receipt -> Ended -> confirmation', async () => {
    const from = csms.calls.length;
    const card = '1234567890123456';
    expect((await sim.swipeCard(1, card, { timeoutMs: 20_000 })).accepted).toBe(true);
    expect((await csms.waitForCall((c) => c.identity === ID && c.action === 'Authorize')).params).toMatchObject({ idToken: { idToken: card, type: 'ISO14443' } });
    const started = await waitTx('Started', from);
    expect(started.idToken).toEqual({ idToken: card, type: 'ISO14443' });
    await until(
      () => txEvents().filter((e) => e.transactionInfo.transactionId === started.transactionInfo.transactionId && e.triggerReason === 'MeterValuePeriodic').length >= 2,
      'two periodic meter values',
      20_000,
    );
    const serial = sim.stopCharging(1, 'evDisconnected') ?? '';
    const end = await waitTx('Ended', from);
    expect(end.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'EVDisconnected' });
    expect(end.customData?.legacyTransactionId).toBe(serial);
    const final = end.meterValue?.flatMap((m) => m.sampledValue).find((v) => v.context === 'Transaction.End')?.value;
    expect(final).toBe(ended.at(-1)?.meterStopWh);
    await until(() => sim.outbox.confirmed.includes(serial), 'the receipt confirmed', 20_000);
    expectCleanOcpp(csms);
  }, 60_000);

  it('a remote session on connector 2: RequestStartTransaction -> start / started, RequestStopTransaction -> stop / stopped -> Ended Remote', async () => {
    const from = csms.calls.length;
    const client = await csms.client(ID);
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP-USER-9', type: 'Central' }, remoteStartId: 9, evseId: 2 })).toEqual({ status: 'Accepted' });
    const started = await waitTx('Started', from);
    expect(started).toMatchObject({ triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 9 } });
    expect(sim.gun(2).charging).toBe(true);
    expect(await client.call('RequestStopTransaction', { transactionId: started.transactionInfo.transactionId })).toEqual({ status: 'Accepted' });
    const end = await waitTx('Ended', from);
    expect(end.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'Remote' });
    await until(() => sim.outbox.confirmed.length === 2, 'the second receipt confirmed', 20_000);
    expectCleanOcpp(csms);
  }, 60_000);
});
