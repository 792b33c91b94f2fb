/**
 * The IEC 104 charger simulator wired to a gateway-side `ControllingLink` on one fake clock, the
 * two example mappings it runs, and shorthands for the information objects and ASDUs the tests
 * send and check: for the simulator unit tests.
 */
import { decodeAsdu } from '../../src/iec104/asdu-parser.js';
import { encodeAsdu } from '../../src/iec104/asdu-generator.js';
import { COT } from '../../src/iec104/constants.js';
import { ControllingLink } from '../../src/iec104/link.js';
import type { Asdu, InformationObject } from '../../src/iec104/types.js';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { ChargerSimulator, type ChargerSimulatorOptions, type SimulatorEvent } from '../../src/simulator/iec104-points/simulator.js';
import { FakeClock } from './fake-clock.js';
import { loadExampleMapping } from './iec104-points.js';

export const DC = loadExampleMapping('example-dc-2gun');
export const AC = loadExampleMapping('example-ac-1gun');
export const CA = 7;
/** 2025-03-01 10:00:00 in Asia/Shanghai. */
export const START = Date.UTC(2025, 2, 1, 2, 0, 0);

type Received = { asdu: Asdu; bytes: Buffer } | { asdu: undefined; bytes: Buffer };

/**
 * The simulator wired to a gateway-side `ControllingLink` through two queues on one fake clock.
 * Queues, not direct calls: a link must never be re-entered from inside its own send.
 */
export function simulatorHarness(mapping: Iec104PointsMapping, options: Partial<ChargerSimulatorOptions> = {}) {
  const clock = new FakeClock(START);
  const toGateway: Buffer[] = [];
  const toSim: Buffer[] = [];
  const received: Received[] = [];
  const events: SimulatorEvent[] = [];
  const closes: string[] = [];
  const sim = new ChargerSimulator({
    mapping,
    commonAddress: CA,
    clock,
    send: (b) => toGateway.push(Buffer.from(b)),
    close: (reason) => closes.push(reason),
    ...options,
  });
  sim.on((e) => events.push(e));
  const gw = new ControllingLink({
    clock,
    send: (b) => toSim.push(Buffer.from(b)),
    close: (reason) => closes.push(`gateway ${reason}`),
    onAsdu: (bytes) => {
      const r = decodeAsdu(bytes);
      received.push({ asdu: r.ok ? r.value : undefined, bytes: Buffer.from(bytes) });
    },
  });
  const pump = (): void => {
    while (toGateway.length > 0 || toSim.length > 0) {
      const a = toGateway.shift();
      if (a !== undefined) gw.receive(a);
      const b = toSim.shift();
      if (b !== undefined) sim.receive(b);
    }
  };
  /** Moves time in small steps so acks flow as they would on a wire. */
  const advance = (ms: number, step = 250): void => {
    for (let left = ms; left > 0; left -= step) {
      clock.advance(Math.min(step, left));
      pump();
    }
  };
  const start = (): void => {
    gw.start();
    pump();
  };
  const send = (asdu: Partial<Asdu> & Pick<Asdu, 'typeId' | 'objects'>): void => {
    gw.sendAsdu(encodeAsdu({ sq: false, cause: COT.ACTIVATION, negative: false, test: false, originator: 0, commonAddress: CA, ...asdu }));
    pump();
  };
  /** Everything received since the last call (delivering what is in flight first). */
  const take = (): Asdu[] => {
    pump();
    return received.splice(0).map((r) => r.asdu as Asdu);
  };
  return { sim, gw, clock, received, events, closes, pump, advance, start, send, take };
}

export const obj = (o: Record<string, unknown>): InformationObject => o as unknown as InformationObject;
export const sco = (ioa: number, state: boolean, select = false): InformationObject => obj({ ioa, state, qualifier: 0, select });
export const dco = (ioa: number, state: 1 | 2, select = false): InformationObject => obj({ ioa, state, qualifier: 0, select });
/** Each object's value by IOA. */
export const values = (a: Asdu | undefined): Record<number, unknown> => Object.fromEntries((a?.objects ?? []).map((o) => [o.ioa, 'value' in o ? o.value : undefined]));
/** Type, cause and P/N of an ASDU, or undefined when there is none. */
export const head = (a: Asdu | undefined): [number, number, boolean] | undefined => (a === undefined ? undefined : [a.typeId, a.cause, a.negative]);
