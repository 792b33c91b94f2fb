/**
 * Reset with transactions running (OCPP 2.0.1 B11/B12). Immediate: once the charger confirmed its
 * reset, every open transaction ends (TransactionEvent Ended, triggerReason ResetCommand,
 * stoppedReason ImmediateReset) before the station boots again, and nothing the charger says of
 * the old session afterwards opens it again. OnIdle: waits for the transactions to end. And the
 * reboot closes the OCPP connection only once the CALL in flight is answered: a slow CSMS sees
 * every seqNo once. Against ocpp-rpc's strict RPCServer, with a fake charger whose answers the
 * test chooses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand } from '../../src/model/commands.js';
import type { ChargerEvent, CommandResultEvent } from '../../src/model/events.js';
import { startCsms, type StationCall, type TestCsms, type TestCsmsOptions } from '../support/csms.js';
import { createStation, endStrict, PILE_CAPABILITIES, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

const at = (): string => new Date().toISOString();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Tx = { eventType: string; seqNo: number; triggerReason: string; transactionInfo: { transactionId: string; stoppedReason?: string } };

interface Charging {
  readonly c: TestCsms;
  readonly s: TestStation;
  readonly feed: (...events: ChargerEvent[]) => void;
  readonly txs: () => Tx[];
  readonly boots: () => StationCall[];
}

/**
 * A booted two-connector station with a session running on EVSE 1 (its Started event answered).
 * `answer` decides the charger's answers; `onCommand` may feed the charger's events itself.
 */
async function charging(
  id: string,
  options: {
    answer?: (c: ChargerCommand) => CommandResultEvent['status'] | undefined;
    onCommand?: (c: ChargerCommand, feed: (...events: ChargerEvent[]) => void) => void;
    capabilities?: Capabilities;
    csms?: TestCsmsOptions;
  } = {},
): Promise<Charging> {
  const c = (csms = await startCsms(options.csms));
  const ref: { s?: TestStation } = {};
  const feed = (...events: ChargerEvent[]): void => {
    for (const e of events) ref.s?.engine.chargerEvent(e);
  };
  const s = await createStation({
    id,
    url: c.url,
    ...(options.answer !== undefined ? { answer: options.answer } : {}),
    ...(options.onCommand !== undefined ? { onCommand: (x: ChargerCommand) => options.onCommand?.(x, feed) } : {}),
    ...(options.capabilities !== undefined ? { extra: { capabilities: options.capabilities } } : {}),
  });
  ref.s = s;
  stations.push(s);
  const count = options.capabilities?.connectorCount ?? 2;
  for (let n = 1; n <= count; n++) {
    feed(
      n === 1
        ? { type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at() }
        : { type: 'connectorStatus', connector: n, status: 'available', plugged: false, chargingState: 'idle', at: at() },
    );
  }
  feed({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', meterStartWh: 0, at: at() });
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  const txs = (): Tx[] => c.calls.filter((x) => x.identity === id && x.action === 'TransactionEvent').map((x) => x.params as unknown as Tx);
  await until(() => txs().length === 1, 'Started');
  await s.engine.settled();
  const boots = (): StationCall[] => c.calls.filter((x) => x.identity === id && x.action === 'BootNotification');
  return { c, s, feed, txs, boots };
}

/** The index among the CSMS's calls of the first call matching. */
const indexOf = (c: TestCsms, pred: (x: StationCall) => boolean): number => c.calls.findIndex(pred);

/** The old session, as a charger may go on reporting it after its reset: none of it may reopen the transaction. */
function oldSessionAgain(feed: Charging['feed']): void {
  feed(
    { type: 'measurements', connector: 1, at: at(), values: [{ measurand: 'energy', value: 1500 }] },
    { type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at() },
    { type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', meterStartWh: 1500, at: at() },
    { type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 1600, at: at(), reason: 'local' },
  );
}

const RESET_END = { eventType: 'Ended', seqNo: 1, triggerReason: 'ResetCommand', transactionInfo: { stoppedReason: 'ImmediateReset' } };

describe('Reset Immediate during a transaction', () => {
  it('the charger confirms: Accepted, the transaction Ended (ResetCommand, ImmediateReset) before the new boot, and never again after it', async () => {
    const { c, s, feed, txs, boots } = await charging('CS-RST-TX', { answer: () => 'accepted' });
    const client = await c.client('CS-RST-TX');
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 8_000);
    expect(s.commands.filter((x) => x.type === 'reset').map((x) => (x.type === 'reset' ? x.kind : ''))).toEqual(['hard']);
    expect(txs()).toHaveLength(2);
    expect(txs()[1]).toMatchObject(RESET_END);
    const ended = indexOf(c, (x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    expect(ended).toBeLessThan(indexOf(c, (x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset'));
    await until(() => s.engine.bootState === 'accepted', 'boot accepted again');
    oldSessionAgain(feed);
    await s.engine.settled();
    await sleep(300);
    expect(txs()).toHaveLength(2);
    expect(boots()).toHaveLength(2);
  });

  it("the charger's own end of the session, reported right after it confirmed the reset, is the reset's end", async () => {
    const { c, txs } = await charging('CS-RST-OWN', {
      onCommand: (x, feed) => {
        if (x.type !== 'reset') return;
        setImmediate(() =>
          feed(
            { type: 'commandResult', commandId: x.id, status: 'accepted' },
            { type: 'connectorStatus', connector: 1, status: 'available', plugged: true, chargingState: 'idle', at: at() },
            { type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 1000, at: at(), reason: 'powerLoss' },
          ),
        );
      },
    });
    expect(await (await c.client('CS-RST-OWN')).call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 8_000);
    expect(txs()).toHaveLength(2);
    expect(txs()[1]).toMatchObject(RESET_END);
    expect(txs()[1]).toMatchObject({ meterValue: [{ sampledValue: [{ value: 1000, context: 'Transaction.End' }] }] });
  });

  it('the charger refuses: Rejected, nothing ends, the transaction carries on', async () => {
    const { c, feed, txs, boots } = await charging('CS-RST-NO', { answer: (x) => (x.type === 'reset' ? 'rejected' : 'accepted') });
    expect(await (await c.client('CS-RST-NO')).call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    await sleep(300);
    expect(txs()).toHaveLength(1);
    feed({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 1000, at: at(), reason: 'local' });
    await until(() => txs().length === 2, 'Ended');
    expect(txs()[1]).toMatchObject({ eventType: 'Ended', triggerReason: 'ChargingStateChanged' });
    expect(txs()[1]?.transactionInfo.stoppedReason).toBeUndefined();
    expect(boots()).toHaveLength(1);
  });

  it('a charger without a reset command: its sessions are stopped, Ended on its confirmation, Accepted ChargerNotReset', async () => {
    const caps: Capabilities = { ...PILE_CAPABILITIES, transactionRecords: false };
    const { c, s, txs } = await charging('CS-RST-STOP', { capabilities: caps, answer: () => 'accepted' });
    const answer = await (await c.client('CS-RST-STOP')).call('Reset', { type: 'Immediate' });
    expect(answer).toMatchObject({ status: 'Accepted', statusInfo: { reasonCode: 'ChargerNotReset' } });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 8_000);
    expect(s.commands.map((x) => x.type)).toContain('stopCharging');
    expect(txs()[1]).toMatchObject(RESET_END);
  });

  it('a charger without a reset command that refuses the stop: Rejected, nothing ends, no reboot', async () => {
    const caps: Capabilities = { ...PILE_CAPABILITIES, transactionRecords: false };
    const { c, txs, boots } = await charging('CS-RST-STOPNO', { capabilities: caps, answer: (x) => (x.type === 'stopCharging' ? 'rejected' : 'accepted') });
    expect(await (await c.client('CS-RST-STOPNO')).call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });
    await sleep(300);
    expect(txs()).toHaveLength(1);
    expect(boots()).toHaveLength(1);
  });

  it('a charger that can be neither reset nor stopped: Rejected, saying so', async () => {
    const caps: Capabilities = { ...PILE_CAPABILITIES, commands: new Set(['startCharging', 'authorize']), transactionRecords: false };
    const { c, txs, boots } = await charging('CS-RST-NONE', { capabilities: caps, answer: () => 'accepted' });
    expect(await (await c.client('CS-RST-NONE')).call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'TxInProgress' } });
    await sleep(300);
    expect(txs()).toHaveLength(1);
    expect(boots()).toHaveLength(1);
  });
});

describe('Reset OnIdle during a transaction', () => {
  it('waits for the transaction to end, then resets; the Ended is the session own and comes before the new boot', async () => {
    const { c, s, feed, txs } = await charging('CS-RST-IDLE', { answer: () => 'accepted' });
    expect(await (await c.client('CS-RST-IDLE')).call('Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
    await sleep(300);
    expect(s.commands.some((x) => x.type === 'reset')).toBe(false);
    expect(txs()).toHaveLength(1);
    feed({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 1000, at: at(), reason: 'evDisconnected' });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'ScheduledReset', 8_000);
    expect(txs()[1]).toMatchObject({ eventType: 'Ended', triggerReason: 'EVCommunicationLost', transactionInfo: { stoppedReason: 'EVDisconnected' } });
    expect(indexOf(c, (x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended')).toBeLessThan(indexOf(c, (x) => x.params.reason === 'ScheduledReset'));
    expect(s.commands.filter((x) => x.type === 'reset').map((x) => (x.type === 'reset' ? x.kind : ''))).toEqual(['soft']);
  });
});

describe('the reboot closes the connection only once the CALL in flight is answered', () => {
  it('a slow CSMS: the Ended is answered before the connection closes and seen once; no CALL is cut off', async () => {
    const slow = { replyDelayMs: { TransactionEvent: 1_500, StatusNotification: 1_500 } };
    const { c, s, txs } = await charging('CS-RST-SLOW', { answer: () => 'accepted', csms: slow });
    expect(await (await c.client('CS-RST-SLOW')).call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 15_000);
    await until(() => s.engine.bootState === 'accepted', 'boot accepted again', 10_000);
    await sleep(2_000);
    const seqNos = txs().map((t) => `${t.transactionInfo.transactionId}:${t.seqNo}`);
    expect(seqNos).toEqual([...new Set(seqNos)]);
    expect(txs().map((t) => t.eventType)).toEqual(['Started', 'Ended']);
    expect(unanswered(c, 'CS-RST-SLOW')).toEqual([]);
    expect(cutOff(s)).toEqual([]);
  }, 40_000);

  it('a StatusNotification in flight when Reset comes (no transaction) is answered before the reboot', async () => {
    const c = (csms = await startCsms({ replyDelayMs: { StatusNotification: 1_500 } }));
    const s = await createStation({ id: 'CS-RST-SN', url: c.url, answer: () => 'accepted' });
    stations.push(s);
    for (const n of [1, 2]) s.engine.chargerEvent({ type: 'connectorStatus', connector: n, status: 'available', plugged: false, chargingState: 'idle', at: at() });
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'boot accepted');
    await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.evseId === 1);
    expect(await (await c.client('CS-RST-SN')).call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await c.waitForCall((x) => x.action === 'BootNotification' && x.params.reason === 'RemoteReset', 15_000);
    expect(unanswered(c, 'CS-RST-SN')).toEqual([]);
    expect(cutOff(s)).toEqual([]);
  }, 40_000);
});

/** CALLs that failed other than by not being written at all (a reboot drops those: a new boot comes first). */
function cutOff(s: TestStation): unknown[] {
  return s.logs.filter((l) => / failed$/.test(l.message) && !/ not sent: /.test(String(l.data?.['error'])));
}

/** CALLs of the first connection the CSMS received but never answered on an open connection. */
function unanswered(c: TestCsms, id: string): string[] {
  const first = c.calls.find((x) => x.identity === id)?.connection;
  return c.calls.filter((x) => x.identity === id && x.connection === first && !c.answered.has(x.messageId)).map((x) => x.action);
}
