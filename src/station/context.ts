/**
 * What every functional block of the station engine is handed: no globals, one context per
 * station. Blocks talk to the CSMS only through `call` (the single way out) and to the charger
 * only through `charger.send`.
 */
import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import type { Capabilities } from '../model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../model/commands.js';
import type { CallOptions, RpcEndpoint } from '../ocpp/rpc.js';
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/actions.js';
import type { StateStore } from '../store/state-store.js';
import type { AlignedData } from './meter-values/aligned-data.js';
import type { Authorization } from './authorization/authorization.js';
import type { InvalidId } from './authorization/invalid-id.js';
import type { Availability } from './availability/availability.js';
import type { Certificates } from './certificates/certificates.js';
import type { ChargerCommands } from './charger-commands.js';
import type { ChargerEvents } from './charger-events.js';
import type { DeviceModel } from './device-model/device-model.js';
import type { Faults } from './availability/faults.js';
import type { Logs } from './diagnostics/get-log.js';
import type { Firmware } from './firmware/firmware.js';
import type { RemoteControl } from './remote-control/remote-control.js';
import type { NetworkProfiles } from './provisioning/network-profiles.js';
import type { BootReason, Provisioning } from './provisioning/provisioning.js';
import type { Reservations } from './reservations/reservations.js';
import type { Reset } from './provisioning/reset.js';
import type { SecurityEvents, SecurityEventType } from './security/security-events.js';
import type { SmartCharging } from './smart-charging/smart-charging.js';
import type { Transactions } from './transactions/transactions.js';
import type { TxQueue } from './transactions/tx-queue.js';

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

/**
 * The station's functional blocks as each reaches the others: read when used (a CSMS request, a
 * charger event, a timer), never while the blocks are being built. One object per station, filled
 * once by the engine; a block asks here instead of holding a callback bound to the engine.
 */
export interface StationBlocks {
  readonly provisioning: Provisioning;
  /** Commands to the charger that a CSMS request waits for: the one bounded wait for its answers. */
  readonly commands: ChargerCommands;
  readonly availability: Availability;
  readonly queue: TxQueue;
  readonly transactions: Transactions;
  readonly reset: Reset;
  readonly reservations: Reservations;
  readonly authorization: Authorization;
  readonly invalidId: InvalidId;
  readonly remote: RemoteControl;
  readonly security: SecurityEvents;
  readonly logs: Logs;
  readonly certificates: Certificates;
  readonly aligned: AlignedData;
  readonly smartCharging: SmartCharging;
  readonly network: NetworkProfiles;
  readonly firmware: Firmware;
  readonly faults: Faults;
  /** The charger's events as the blocks heard them: which sessions run. */
  readonly chargerEvents: ChargerEvents;
}

export interface StationContext {
  /** Station identity toward the CSMS. */
  readonly id: string;
  readonly identity: ChargerIdentity;
  readonly capabilities: Capabilities;
  readonly store: StateStore;
  readonly dm: DeviceModel;
  readonly rpc: RpcEndpoint;
  /** Wall clock (epoch ms) and timers. */
  readonly clock: Clock;
  readonly log: Log;
  readonly charger: ChargerPort;
  /** Sends a CALL to the CSMS (and counts as activity for the heartbeat); `options` bound or withdraw it. */
  call<A extends StationAction>(action: A, payload: RequestOf<A>, options?: CallOptions): Promise<ResponseOf<A>>;
  /** True once the CSMS accepted the BootNotification (in this engine's life). */
  isAccepted(): boolean;
  /** True while a CALL can be answered now: the OCPP connection is open and the CSMS accepted the boot. */
  isOnline(): boolean;
  /** A fresh id for a command to the charger. */
  commandId(prefix: string): string;
  /** The other blocks. */
  readonly blocks: StationBlocks;
  /** Runs `work` after every charger event so far (the engine's event chain); resolves when it ran, failures logged. */
  serialize(what: string, work: () => Promise<void>): Promise<void>;
  /** Stores a security event (A04) in the order of the charger's events; never rejects. */
  securityEvent(type: SecurityEventType, techInfo?: string): Promise<void>;
  /** The virtual station boots again (Reset): resolves once its old connection is closed. */
  reboot(reason: BootReason): Promise<void>;
  /** A new OCPP connection, the old one closed once its CALL in flight is answered (new credentials). */
  reconnect(reason: string): void;
  /** The CALL timeout in ms: the engine option, else OCPPCommCtrlr.MessageTimeout. */
  callTimeoutMs(): number;
}

/** Runs a promise for its effect; failures are logged, never thrown (a timer or `after` hook). */
export function background(ctx: Pick<StationContext, 'log'>, what: string, p: Promise<unknown>): void {
  p.catch((e: unknown) => ctx.log('warn', `${what} failed`, { error: e instanceof Error ? e.message : String(e) }));
}
