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
import type { DeviceModel } from './device-model/device-model.js';

export type BootReason = 'PowerUp' | 'RemoteReset' | 'Triggered' | 'ScheduledReset' | 'LocalReset' | 'FirmwareUpdate' | 'Unknown';

/**
 * Types from the OCPP 2.0.1 security events list (Part 2 appendix) the gateway raises, plus a
 * vendor type for what the list has no name for. `type` is a free string of at most 50 characters.
 */
export type SecurityEventType =
  /** The CSMS refused the station's credentials (HTTP 401 on the WebSocket handshake). */
  | 'FailedToAuthenticateAtCsms'
  /** The charger sent more malformed frames than the per-connection budget allows. */
  | 'InvalidMessages'
  /**
   * A login claiming this station's charger was refused: from outside its allowed networks,
   * without its key, or while it is connected (vendor type: the list has none; `techInfo` starts
   * with the reason, e.g. `duplicate_login:`).
   */
  | 'ChargerLoginRefused'
  /** A billing record from the charger failed its plausibility checks and is held (vendor type). */
  | 'ImplausibleTransactionRecord'
  /** A second login of this station's charger took over its live connection (`duplicateLogin: replace`; vendor type). */
  | 'ChargerLoginReplaced'
  /** A firmware image whose signature does not verify (L01.FR.03). */
  | 'InvalidFirmwareSignature'
  /** A firmware signing certificate that is not valid (L01.FR.02). */
  | 'InvalidFirmwareSigningCertificate'
  /** New firmware installed (L01.FR.31). */
  | 'FirmwareUpdated'
  /** The CSMS's TLS certificate failed verification against the station's trusted roots. */
  | 'InvalidCsmsCertificate'
  /** A CertificateSignedRequest carried a certificate the station refused (A02.FR.07). */
  | 'InvalidChargingStationCertificate'
  /** The renewed client certificate was dropped: the station connected with the previous one (A02.FR.29, 2025 errata). */
  | 'DiscardedRenewedClientCertificate'
  | 'SettingSystemTime'
  | 'ResetOrReboot'
  | 'StartupOfTheDevice'
  | 'ReconfigurationOfSecurityParameters';

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
 * once by the engine; a block asks here instead of holding a callback bound to the engine. Each
 * block adds its own member from its own file (`declare module '../context.js'`), so this file
 * names no block and no block's import of it is a cycle.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the blocks' declarations
export interface StationBlocks {}

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
