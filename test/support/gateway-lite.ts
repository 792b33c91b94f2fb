/**
 * A gateway of one listener for integration tests: the IEC 104 point-table codec on a TCP port,
 * a station engine per identified charger against the given CSMS, everything recorded.
 */
import { systemClock } from '../../src/core/clock.js';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { expect } from 'vitest';
import { iec104PointsCodec } from '../../codecs/iec104-points/index.js';
import { PointTable } from '../../codecs/iec104-points/points.js';
import type { Codec } from '../../codecs/codec.js';
import { ChargerSession } from '../../src/gateway/charger-session.js';
import type { ChargerEvent } from '../../src/model/events.js';
import type { ChargerPort } from '../../src/station/context.js';
import { StationEngine } from '../../src/station/engine.js';
import type { FirmwareServer } from '../../src/station/firmware/ports.js';
import type { StateStore } from '../../src/store/state-store.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { TestCsms } from './csms.js';
import { loadExampleMapping } from './iec104-points.js';
import { FAST_CHARGER, FAST_RETRY, PASSWORD, presetVariables, type LogLine } from './station.js';

export interface LiteGateway {
  readonly port: number;
  readonly sessions: ChargerSession[];
  readonly logs: LogLine[];
  /** Every bad frame's code, in order (log lines about them are rate-limited; this is not). */
  readonly badFrames: string[];
  readonly store: StateStore;
  /** Every event the charger sessions handed to their station engines, in order. */
  readonly stationEvents: ChargerEvent[];
  /** The charger port each station engine was given, by charger id: commands as the station sends them. */
  readonly chargers: Map<string, ChargerPort>;
  close(): Promise<void>;
}

/**
 * Ends a test's charger (a simulator), lite gateway and CSMS, in that order, then fails the test on
 * any strict-schema failure or CALLERROR the CSMS saw.
 */
export async function endLiteStrict(rig: { readonly csms: TestCsms | undefined; readonly gateway: LiteGateway | undefined; readonly sim: { close(): void } | undefined }): Promise<void> {
  const failures = rig.csms?.strictFailures ?? [];
  const errors = rig.csms?.errorsSent ?? [];
  rig.sim?.close();
  await rig.gateway?.close();
  await rig.csms?.close();
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
}

export async function startLiteGateway(options: {
  csmsUrl: string;
  store?: StateStore;
  preset?: Record<string, string>;
  /** The listener's codec and its options; default IEC 104 with the DC example mapping. */
  codec?: { codec: Codec<never>; options: unknown };
  /** Handed to every station engine (`StationEngineOptions.firmwareServer`). */
  firmwareServer?: FirmwareServer;
}): Promise<LiteGateway> {
  const mapping = loadExampleMapping('example-dc-2gun');
  const codec = options.codec ?? { codec: iec104PointsCodec as Codec<never>, options: { mapping, table: new PointTable(mapping) } };
  const store = options.store ?? new MemoryStore();
  const sessions: ChargerSession[] = [];
  const logs: LogLine[] = [];
  const badFrames: string[] = [];
  const stationEvents: ChargerEvent[] = [];
  const chargers = new Map<string, ChargerPort>();
  const log = (level: string, message: string, data?: Readonly<Record<string, unknown>>): void => {
    logs.push({ level, message, ...(data !== undefined ? { data } : {}) });
  };
  const server: Server = createServer((socket) => {
    const session = new ChargerSession({
      socket,
      codec: codec.codec,
      codecOptions: codec.options,
      clock: systemClock,
      log,
      observer: { badFrame: (code) => badFrames.push(code) },
      createEngine: async (identified, capabilities, charger) => {
        await presetVariables(store, identified.chargerId, { ...FAST_RETRY, ...FAST_CHARGER, ...options.preset });
        const engine = await StationEngine.create({
          id: identified.chargerId,
          csmsUrl: options.csmsUrl,
          security: { profile: 1, password: PASSWORD },
          identity: { vendor: identified.vendor ?? 'unknown', model: identified.model ?? 'unknown' },
          capabilities,
          store,
          charger,
          log,
          callTimeoutMs: 3_000,
          ...(options.firmwareServer !== undefined ? { firmwareServer: options.firmwareServer } : {}),
        });
        chargers.set(identified.chargerId, charger);
        const handle = engine.chargerEvent.bind(engine);
        engine.chargerEvent = (e) => {
          stationEvents.push(e);
          handle(e);
        };
        engine.start();
        return engine;
      },
    });
    sessions.push(session);
    session.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    logs,
    badFrames,
    store,
    stationEvents,
    chargers,
    async close() {
      for (const s of sessions) {
        s.close('test over');
        await s.station?.stop();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
