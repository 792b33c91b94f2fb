/**
 * Acceptance of the IEC 104 point-table codec over real TCP: the charger simulator dials a host
 * running the codec session, and the canonical events of a whole charging session come out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { iec104PointsCodec } from '../../codecs/iec104-points/index.js';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { PointTable } from '../../codecs/iec104-points/points.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { hostCodec, type CodecHost } from '../support/codec-host.js';
import { loadExampleMapping } from '../support/iec104-points.js';

let host: CodecHost | undefined;
let sim: SimulatorHandle | undefined;

afterEach(async () => {
  await sim?.close();
  await host?.close();
  sim = undefined;
  host = undefined;
});

async function start(mapping: Iec104PointsMapping, commonAddress: number): Promise<{ host: CodecHost; sim: SimulatorHandle }> {
  host = await hostCodec(iec104PointsCodec, { mapping, table: new PointTable(mapping) });
  sim = await connectSimulator({ host: '127.0.0.1', port: host.port, mapping, commonAddress, meterIntervalMs: 50 });
  await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === mapping.charger.connectors);
  // Each connector's first report, once its register is read (the counter interrogation).
  await host.waitFor((e) => e.type === 'idleAtConnect' && e.connector === mapping.charger.connectors);
  return { host, sim };
}

const summary = (e: ChargerEvent): string => {
  switch (e.type) {
    case 'connectorStatus':
      return `status ${e.connector} ${e.status}/${e.chargingState}${e.plugged ? '/plugged' : ''}`;
    case 'fault':
      return `fault ${e.connector} ${e.code} ${e.active ? 'raised' : 'cleared'}`;
    case 'commandResult':
      return `command ${e.commandId} ${e.status}`;
    case 'sessionStarted':
      return `session started ${e.connector}${e.commandId !== undefined ? ` by ${e.commandId}` : ''}`;
    case 'sessionEnded':
      return `session ended ${e.connector} ${e.reason}`;
    case 'link':
      return `link ${e.state}`;
    case 'identified':
      return `identified ${e.chargerId}`;
    case 'idleAtConnect':
      return `idle at connect ${e.connector}${e.meterWh !== undefined ? ` ${e.meterWh} Wh` : ''}`;
    default:
      return e.type;
  }
};

describe('iec104-points codec over TCP with the charger simulator', () => {
  it('yields the canonical sequence of a whole session on the DC example', async () => {
    const { host: h, sim: s } = await start(loadExampleMapping('example-dc-2gun'), 42);
    const conn = h.connections[0];
    if (conn === undefined) throw new Error('no connection');
    const seen = (): string[] => conn.events.filter((e) => e.type !== 'measurements' && e.type !== 'clockReport').map(summary);
    expect(seen()).toEqual(['link up', 'identified EXDC42', 'status 1 available/idle', 'status 2 available/idle', 'idle at connect 1 100000 Wh', 'idle at connect 2 200000 Wh']);

    s.simulator.setPlugged(1, true);
    await h.waitFor((e) => e.type === 'connectorStatus' && e.chargingState === 'evConnected');

    expect(conn.session.command({ type: 'startCharging', id: 'start-1', connector: 1 })).toEqual({ status: 'sent' });
    await h.waitFor((e) => e.type === 'commandResult' && e.commandId === 'start-1' && e.status === 'completed');
    s.simulator.setPower(1, 60_000);
    const firstEnergy = await h.waitFor((e) => e.type === 'measurements' && e.connector === 1 && e.values.some((v) => v.measurand === 'energy'));
    await h.waitFor((e) => e.type === 'measurements' && e.connector === 1 && e.values.some((v) => v.measurand === 'power' && v.value === 60_000));
    const energyOf = (e: ChargerEvent): number => (e.type === 'measurements' ? (e.values.find((v) => v.measurand === 'energy')?.value ?? Number.NaN) : Number.NaN);
    await h.waitFor((e) => e.type === 'measurements' && e.connector === 1 && energyOf(e) > energyOf(firstEnergy));

    // A warning does not stop the charge.
    s.simulator.raiseFault('BMS_COMMS', 1);
    await h.waitFor((e) => e.type === 'fault' && e.active);
    s.simulator.clearFault('BMS_COMMS', 1);
    await h.waitFor((e) => e.type === 'fault' && !e.active);

    expect(conn.session.command({ type: 'stopCharging', id: 'stop-1', connector: 1 })).toEqual({ status: 'sent' });
    await h.waitFor((e) => e.type === 'sessionEnded');
    s.simulator.setPlugged(1, false);
    await h.waitFor((e, c) => e.type === 'connectorStatus' && e.status === 'available' && c.events.indexOf(e) > c.events.findIndex((x) => x.type === 'sessionEnded'));

    const sequence = seen();
    // Every step in order (the simulator reports its own state changes around each command).
    const expected = [
      'identified EXDC42',
      'status 1 available/idle',
      'status 1 occupied/evConnected/plugged',
      'command start-1 accepted',
      'status 1 occupied/charging/plugged',
      'session started 1 by start-1',
      'command start-1 completed',
      'fault 1 BMS_COMMS raised',
      'fault 1 BMS_COMMS cleared',
      'command stop-1 accepted',
      'session ended 1 remote',
      'status 1 available/idle',
    ];
    let at = -1;
    for (const step of expected) {
      const next = sequence.indexOf(step, at + 1);
      expect(next, `"${step}" after position ${at} in ${JSON.stringify(sequence)}`).toBeGreaterThan(at);
      at = next;
    }
    const started = conn.events.find((e) => e.type === 'sessionStarted');
    const ended = conn.events.find((e) => e.type === 'sessionEnded');
    if (started?.type !== 'sessionStarted' || ended?.type !== 'sessionEnded') throw new Error('no session');
    expect(ended.legacyTransactionId).toBe(started.legacyTransactionId);
    expect(ended.meterStopWh).toBeGreaterThan(started.meterStartWh ?? Number.POSITIVE_INFINITY);
    expect(sequence.filter((x) => x.startsWith('session'))).toHaveLength(2);
    expect(conn.errors).toEqual([]);
  });

  it('ends the session as evseFault when an error fault stops the charger, and reports it cleared', async () => {
    const { host: h, sim: s } = await start(loadExampleMapping('example-dc-2gun'), 43);
    const conn = h.connections[0];
    if (conn === undefined) throw new Error('no connection');
    s.simulator.setPlugged(2, true);
    conn.session.command({ type: 'startCharging', id: 'go', connector: 2 });
    await h.waitFor((e) => e.type === 'sessionStarted' && e.connector === 2);
    s.simulator.raiseFault('CONNECTOR_OVERTEMP', 2);
    expect(await h.waitFor((e) => e.type === 'sessionEnded')).toMatchObject({ connector: 2, reason: 'evseFault' });
    expect(conn.events.map(summary)).toContain('status 2 faulted/idle');
    s.simulator.clearFault('CONNECTOR_OVERTEMP', 2);
    expect(await h.waitFor((e) => e.type === 'fault' && !e.active)).toMatchObject({ connector: 2, code: 'CONNECTOR_OVERTEMP', severity: 'error' });
  });

  it('reports a negative ACT_CON as rejected and no answer as a timeout', async () => {
    const mapping = { ...loadExampleMapping('example-dc-2gun'), commandTimeoutSeconds: 0.3 };
    const { host: h, sim: s } = await start(mapping, 5);
    const conn = h.connections[0];
    if (conn === undefined) throw new Error('no connection');
    s.simulator.setPlugged(2, true);
    s.simulator.setCommandBehaviour('startCharging', 'reject');
    conn.session.command({ type: 'startCharging', id: 'refused', connector: 2 });
    expect(await h.waitFor((e) => e.type === 'commandResult' && e.commandId === 'refused')).toMatchObject({ status: 'rejected' });
    s.simulator.setCommandBehaviour('setAvailability', 'ignore');
    conn.session.command({ type: 'setAvailability', id: 'unanswered', connector: 2, available: false });
    expect(await h.waitFor((e) => e.type === 'commandResult' && e.commandId === 'unanswered')).toMatchObject({ status: 'timeout' });
    s.simulator.setCommandBehaviour('setLimit', 'execute');
    conn.session.command({ type: 'setLimit', id: 'limit', connector: 0, limit: { value: 50_000, unit: 'W' } });
    expect(await h.waitFor((e) => e.type === 'commandResult' && e.commandId === 'limit' && e.status !== 'accepted')).toMatchObject({ status: 'completed' });
    expect(s.simulator.connector(0).limitW).toBe(50_000);
  });

  it('starts an AC charger with select-before-operate and sees the session end on unplug', async () => {
    const { host: h, sim: s } = await start(loadExampleMapping('example-ac-1gun'), 9);
    const conn = h.connections[0];
    if (conn === undefined) throw new Error('no connection');
    s.simulator.setPlugged(1, true);
    await h.waitFor((e) => e.type === 'connectorStatus' && e.plugged);
    conn.session.command({ type: 'startCharging', id: 'sbo', connector: 1 });
    await h.waitFor((e) => e.type === 'sessionStarted');
    s.simulator.setPlugged(1, false);
    expect(await h.waitFor((e) => e.type === 'sessionEnded')).toMatchObject({ reason: 'evDisconnected', connector: 1 });
    expect(conn.events.map(summary)).toContain('identified EXAC9');
  });
});
