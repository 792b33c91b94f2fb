/**
 * What every functional block of the station engine is handed: no globals, one context per
 * station. Blocks talk to the CSMS only through `call` (the single way out) and to the charger
 * only through `charger.send`.
 */
import type { CommandOutcome } from '../../codecs/codec.js';
import type { Capabilities } from '../model/capabilities.js';
import type { ChargerCommand } from '../model/commands.js';
import type { CallOptions, RpcEndpoint } from '../ocpp/rpc.js';
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/actions.js';
import type { StateStore } from '../store/state-store.js';
import type { DeviceModel } from './device-model/device-model.js';

/** Wall clock (epoch ms) and timers, injected. */
export interface EngineClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemEngineClock: EngineClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type EngineLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Readonly<Record<string, unknown>>) => void;

/** The legacy charger as the engine sees it. */
export interface ChargerPort {
  /** Hands a canonical command to the charger's codec session. */
  send(command: ChargerCommand): CommandOutcome;
}

/** Identity facts for BootNotification, from the charger's `identified` event and configuration. */
export interface ChargerIdentity {
  readonly vendor: string;
  readonly model: string;
  readonly serialNumber?: string;
  readonly firmwareVersion?: string;
  readonly iccid?: string;
}

export interface StationContext {
  /** Station identity toward the CSMS. */
  readonly id: string;
  readonly identity: ChargerIdentity;
  readonly capabilities: Capabilities;
  readonly store: StateStore;
  readonly dm: DeviceModel;
  readonly rpc: RpcEndpoint;
  readonly clock: EngineClock;
  readonly log: EngineLog;
  readonly charger: ChargerPort;
  /** Sends a CALL to the CSMS (and counts as activity for the heartbeat); `options` bound or withdraw it. */
  call<A extends StationAction>(action: A, payload: RequestOf<A>, options?: CallOptions): Promise<ResponseOf<A>>;
  /** True once the CSMS accepted the BootNotification (in this engine's life). */
  isAccepted(): boolean;
  /** True while a CALL can be answered now: the OCPP connection is open and the CSMS accepted the boot. */
  isOnline(): boolean;
  /** A fresh id for a command to the charger. */
  commandId(prefix: string): string;
}

/** Runs a promise for its effect; failures are logged, never thrown (a timer or `after` hook). */
export function background(ctx: Pick<StationContext, 'log'>, what: string, p: Promise<unknown>): void {
  p.catch((e: unknown) => ctx.log('warn', `${what} failed`, { error: e instanceof Error ? e.message : String(e) }));
}
