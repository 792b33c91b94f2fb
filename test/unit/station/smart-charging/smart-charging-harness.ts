/**
 * A SmartCharging block on a fake clock for unit tests: a two-EVSE AC charger taking W limits by
 * default, whose setLimit commands are listed as "HH:MM cN value unit [until HH:MM]" and answered
 * by `answer` (default: accepted).
 */
import type { Capabilities } from '../../../../src/model/capabilities.js';
import type { ChargerCommand } from '../../../../src/model/commands.js';
import type { CommandResultEvent } from '../../../../src/model/events.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import type { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import type { ChargingProfile } from '../../../../src/station/smart-charging/composite-schedule.js';
import { ChargerCommands } from '../../../../src/station/charger-commands.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { SmartCharging, type SmartChargingOptions } from '../../../../src/station/smart-charging/smart-charging.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../support/fake-clock.js';

/** Monday 2025-01-06 08:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 6, 8);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const iso = (ms: number): string => new Date(ms).toISOString();

const CAPS: Capabilities = {
  connectorCount: 2,
  currentType: 'AC',
  commands: new Set(['startCharging', 'stopCharging', 'setLimit']),
  measurands: new Set(['energy', 'power']),
  limitUnits: new Set(['W']),
  maxPowerW: 22_000,
  evInfo: false,
  localAuthorization: false,
  transactionRecords: false,
};

/** The charger's answer to a setLimit (undefined: none). */
export type Answer = (c: ChargerCommand & { type: 'setLimit' }) => CommandResultEvent['status'] | undefined;

export async function station(caps: Partial<Capabilities> = {}, options: SmartChargingOptions = {}, store = new MemoryStore(), answer: Answer = () => 'accepted') {
  const capabilities = { ...CAPS, ...caps };
  const clock = new FakeClock(T0);
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: 'CS-1', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' }, now: () => new Date(clock.now()) });
  /** Every setLimit as "time connector value unit until". */
  const limits: string[] = [];
  /** Every setLimit as sent, for answering one later. */
  const sentLimits: (ChargerCommand & { type: 'setLimit' })[] = [];
  const calls: [string, unknown][] = [];
  let seq = 0;
  const box: { commands?: ChargerCommands } = {};
  const ctx: StationContext = {
    id: 'CS-1',
    identity: { vendor: 'V', model: 'M' },
    capabilities,
    store,
    dm,
    rpc: {} as RpcEndpoint,
    clock,
    log: () => undefined,
    charger: {
      send: (c: ChargerCommand) => {
        if (c.type !== 'setLimit') return { status: 'sent' };
        sentLimits.push(c);
        limits.push(`${iso(clock.now()).slice(11, 16)} c${c.connector} ${c.limit.value}${c.limit.unit}${c.until === undefined ? '' : ` until ${c.until.slice(11, 16)}`}`);
        const status = answer(c);
        if (status !== undefined) queueMicrotask(() => box.commands?.result({ type: 'commandResult', commandId: c.id, status, ...(status === 'rejected' ? { reason: 'negative ACT_CON' } : {}) }));
        return { status: 'sent' };
      },
    },
    call: (action, payload) => {
      calls.push([action, payload]);
      return Promise.resolve({} as never);
    },
    isAccepted: () => true,
    isOnline: () => true,
    commandId: (p) => `${p}-${++seq}`,
    ...engineStubs(),
  };
  const commands = (box.commands = new ChargerCommands(ctx));
  const sc = new SmartCharging(ctx, commands, options);
  await sc.load();
  await sc.settled();
  /** Moves the clock and waits for the limits it changes to be answered. */
  const advance = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await sc.settled();
  };
  return { sc, clock, advance, store, dm, limits, calls, sentLimits, commands };
}

export interface P {
  id: number;
  purpose?: ChargingProfile['chargingProfilePurpose'];
  stackLevel?: number;
  kind?: ChargingProfile['chargingProfileKind'];
  start?: number;
  duration?: number;
  validFrom?: number;
  validTo?: number;
  transactionId?: string;
  unit?: 'A' | 'W';
  periods: [number, number, number?][];
}

export function profile(p: P): ChargingProfile {
  const kind = p.kind ?? 'Absolute';
  return {
    id: p.id,
    stackLevel: p.stackLevel ?? 0,
    chargingProfilePurpose: p.purpose ?? 'TxDefaultProfile',
    chargingProfileKind: kind,
    ...(p.validFrom !== undefined ? { validFrom: iso(p.validFrom) } : {}),
    ...(p.validTo !== undefined ? { validTo: iso(p.validTo) } : {}),
    ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}),
    chargingSchedule: [
      {
        id: 1,
        ...(kind !== 'Relative' ? { startSchedule: iso(p.start ?? T0) } : {}),
        ...(p.duration !== undefined ? { duration: p.duration } : {}),
        chargingRateUnit: p.unit ?? 'W',
        chargingSchedulePeriod: p.periods.map(([startPeriod, limit, numberPhases]) => ({ startPeriod, limit, ...(numberPhases !== undefined ? { numberPhases } : {}) })),
      },
    ],
  };
}

export const set = (evseId: number, p: P): RequestOf<'SetChargingProfile'> => ({ evseId, chargingProfile: profile(p) });
