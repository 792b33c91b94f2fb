/**
 * What a charger model can do, so the OCPP side answers honestly (`NotSupported`, `Rejected`,
 * `UnlockFailed`) and publishes a device model that does not promise more than the charger has.
 */
import type { ChargerCommandType, PowerLimit } from './commands.js';
import type { ConnectorId, CurrentType } from './events.js';
import type { Measurand } from './units.js';

export interface Capabilities {
  readonly connectorCount: number;
  readonly currentType: CurrentType;
  /** Commands the charger carries out; any other gets `notSupported`. */
  readonly commands: ReadonlySet<ChargerCommandType>;
  /** Measurands reported per connector (index = connector id; 0 = charger). */
  readonly measurands: ReadonlySet<Measurand>;
  /** Units a `setLimit` may use; empty when the charger cannot be limited. */
  readonly limitUnits: ReadonlySet<'W' | 'A'>;
  /** Nameplate maximum power in W, when known. */
  readonly maxPowerW?: number;
  /**
   * Where a `setLimit` can go, per connector (0 = the whole charger), when the codec knows: the
   * units that connector's limit takes and the largest limit it takes (what lifts a limit).
   * Absent: every connector 1..n takes every unit of `limitUnits`, and nothing is known of connector 0.
   */
  readonly limitTargets?: ReadonlyMap<ConnectorId, LimitTarget>;
  /** The charger reports EV/BMS information. */
  readonly evInfo: boolean;
  /** The charger authorises tokens itself (asks via `authorizationRequest`). */
  readonly localAuthorization: boolean;
  /** The charger sends billing records that must be confirmed. */
  readonly transactionRecords: boolean;
  /**
   * Sessions are derived from the charger's state (a point table has no transactions): on every
   * connection the codec reports each connector once its state is known, as a session already
   * running (`sessionStarted` with `alreadyRunning`) or none (`idleAtConnect`). Until then the
   * station holds, for that connector, the transaction it kept open from before.
   */
  readonly sessionsFromState?: boolean;
}

export function supports(c: Capabilities, command: ChargerCommandType): boolean {
  return c.commands.has(command);
}

/** The limit command of one connector (0 = the whole charger). */
export interface LimitTarget {
  /** Units its `setLimit` takes. */
  readonly units: ReadonlySet<'W' | 'A'>;
  /** The largest limit it takes, in one of `units`: sent to lift a limit. Undefined when unknown. */
  readonly maximum?: PowerLimit;
}
