/** What a station engine is built from: its identity, its CSMS, its store, its charger and the gateway's hooks. */
import type { Capabilities } from '../model/capabilities.js';
import type { RecordHoldReason } from '../model/events.js';
import type { OcppAction } from '../ocpp/actions.js';
import type { ConnectionFailure, SecurityProfileConfig } from '../ocpp/client.js';
import type { StateStore } from '../store/state-store.js';
import type { Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import type { OcppTrace } from '../ocpp/trace.js';
import type { ChargerIdentity, ChargerPort } from './context.js';
import type { DeviceModel, DeviceModelConfig } from './device-model/device-model.js';
import type { FirmwarePorts } from './firmware/firmware.js';
import type { TlsMaterial } from './provisioning/network-slots.js';
import type { DiagnosticsSource, Uploader } from './diagnostics/ports.js';

/**
 * What a station is built from. The firmware block's ports (`FirmwarePorts`): `downloader` and
 * `firmwareServer` (without both, UpdateFirmware is Rejected NotSupported), `manufacturerRoots`
 * (installed ManufacturerRootCertificates, PEM), `firmwareLimits`.
 */
export interface StationEngineOptions extends FirmwarePorts {
  /** Station identity toward the CSMS (≤ 48 characters, no `:`). */
  readonly id: string;
  /** CSMS endpoint; the identity is appended. */
  readonly csmsUrl: string;
  /** How the registry's CSMS (configuration slot 1) is reached. */
  readonly security: SecurityProfileConfig;
  /** TLS material for slots set by SetNetworkProfile with a profile the registry's does not cover. */
  readonly csmsTls?: TlsMaterial;
  readonly identity: ChargerIdentity;
  readonly capabilities: Capabilities;
  readonly store: StateStore;
  readonly charger: ChargerPort;
  readonly clock?: Clock;
  readonly log?: Log;
  /** Every OCPP message of the station, both directions, redacted (the gateway's `log.ocppTrace`); absent: none. */
  readonly ocppTrace?: OcppTrace;
  readonly random?: () => number;
  /** Device-model settings beyond identity and security (connector type, organization...). */
  readonly deviceModel?: Omit<DeviceModelConfig, 'identity' | 'securityProfile' | 'basicAuthPassword'>;
  /** Time to wait for the CSMS's answer to a CALL (OCPPCommCtrlr.MessageTimeout otherwise). */
  readonly callTimeoutMs?: number;
  readonly badMessageLimit?: number;
  /** Latency of every answered CALL (CALLRESULT or CALLERROR), in milliseconds: the gateway's metrics. */
  readonly onCallLatency?: (action: string, ms: number) => void;
  /** A CALLERROR received for one of our CALLs, or sent for one of the CSMS's: the gateway's metrics. */
  readonly onCallError?: (direction: 'received' | 'sent', action: OcppAction | undefined, code: string) => void;
  /** The OCPP WebSocket opened (true) or closed (false): the gateway's health. */
  readonly onOcppConnection?: (open: boolean) => void;
  /** A connection attempt failed (`wasOpen` false) or an open connection was lost: the gateway's metrics and health. */
  readonly onOcppFailure?: (failure: ConnectionFailure, wasOpen: boolean) => void;
  /** A billing record held as implausible, by its most telling reason: the gateway's metrics. */
  readonly onRecordHeld?: (reason: RecordHoldReason) => void;
  /** Vendor ids whose DataTransfer a codec handles (none yet: everything is UnknownVendorId). */
  readonly dataTransferVendors?: readonly string[];
  /**
   * Clock-aligned meter values are queued and sent up to this many ms after their boundary, a
   * share fixed by the station id (see `AlignedData`'s `spreadMs`). Default 0: a lone station has
   * no reason to wait; a gateway running thousands sets it.
   */
  readonly alignedSpreadMs?: number;
  /** Puts GetLog's files at the CSMS's location (HTTP(S), FTP(S)); without it GetLog is Rejected. */
  readonly uploader?: Uploader;
  /** The station's recorded frames and log lines, for GetLog(DiagnosticsLog). */
  readonly diagnostics?: DiagnosticsSource;
}

/** The CALL timeout in ms: the option, else OCPPCommCtrlr.MessageTimeout. */
export function callTimeoutMs(options: Pick<StationEngineOptions, 'callTimeoutMs'>, dm: DeviceModel): number {
  return options.callTimeoutMs ?? dm.getNumber('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }) * 1000;
}
