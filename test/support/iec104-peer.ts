/**
 * The IEC 104 point-table codec hosted on a real TCP port with the hand-written controlled station
 * dialling it, for integration tests of what the codec makes of a charger's ASDUs. The station
 * answers the start-up general interrogation with the DC example's points (both guns idle unless
 * said otherwise).
 */
import { iec104PointsCodec } from '../../codecs/iec104-points/index.js';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { PointTable } from '../../codecs/iec104-points/points.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { hostCodec, type CodecHost, type HostedConnection } from './codec-host.js';
import { ControlledStation, bcr, buildAsdu, siq, svaQds, type ControlledStationOptions } from './controlled-station.js';
import { loadExampleMapping } from './iec104-points.js';

/** TIs the DC example uses. */
export const M_SP_NA_1 = 1;
export const M_ME_NB_1 = 11;
export const M_ME_NC_1 = 13;
export const M_IT_NA_1 = 15;
export const M_ME_TE_1 = 35;
export const M_IT_TB_1 = 37;

/** The DC example's gun state codes (0 idle, 1 plugged, 2 charging). */
export const GUN = { idle: 0, plugged: 1, charging: 2 } as const;

/** General-interrogation data of the DC example: charger in service, gun states, energy registers (0.01 kWh). */
export function dcInterrogation(ca: number, guns: readonly [number, number] = [GUN.idle, GUN.idle], registers: readonly [number, number] = [10_000, 20_000]): Buffer[] {
  return [
    buildAsdu({ ti: M_SP_NA_1, cot: 20, ca }, [{ ioa: 0x0023, element: siq(true) }]),
    buildAsdu({ ti: M_ME_NB_1, cot: 20, ca }, [
      { ioa: 0x4001, element: svaQds(guns[0]) },
      { ioa: 0x4011, element: svaQds(guns[1]) },
    ]),
    buildAsdu({ ti: M_IT_NA_1, cot: 20, ca }, [
      { ioa: 0x6401, element: bcr(registers[0]) },
      { ioa: 0x6402, element: bcr(registers[1]) },
    ]),
  ];
}

export interface PeerSetup {
  readonly host: CodecHost;
  readonly peer: ControlledStation;
  readonly conn: HostedConnection;
}

/**
 * Hosts the codec (default: the DC example) and connects a controlled station with common address
 * `ca`, whose general interrogation is answered with `dcInterrogation` unless `station` says
 * otherwise. Resolves once the link is up and the start-up interrogation has gone out.
 */
export async function hostWithPeer(ca: number, station: ControlledStationOptions = {}, mapping: Iec104PointsMapping = loadExampleMapping('example-dc-2gun')): Promise<PeerSetup> {
  const host = await hostCodec(iec104PointsCodec, { mapping, table: new PointTable(mapping) });
  const peer = await ControlledStation.connect(host.port, { ca, interrogationData: (c) => dcInterrogation(c), ...station });
  await host.waitFor((e) => e.type === 'link' && e.state === 'up');
  await peer.waitFor(() => peer.iFrames().some((f) => f.asdu?.[0] === 100), 'the start-up interrogation');
  const conn = host.connections[0];
  if (conn === undefined) throw new Error('no connection');
  return { host, peer, conn };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Events of one type a connection produced so far. */
export function eventsOf<T extends ChargerEvent['type']>(conn: HostedConnection, type: T): Extract<ChargerEvent, { type: T }>[] {
  return conn.events.filter((e) => e.type === type) as Extract<ChargerEvent, { type: T }>[];
}
