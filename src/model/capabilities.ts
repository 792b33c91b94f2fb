/**
 * What a charger model can do, so the OCPP side answers honestly (`NotSupported`, `Rejected`,
 * `UnlockFailed`) and publishes a device model that does not promise more than the charger has.
 */
import type { ChargerCommandType } from './commands.js';
import type { CurrentType } from './events.js';
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
  /** The charger reports EV/BMS information. */
  readonly evInfo: boolean;
  /** The charger authorises tokens itself (asks via `authorizationRequest`). */
  readonly localAuthorization: boolean;
  /** The charger sends billing records that must be confirmed. */
  readonly transactionRecords: boolean;
}

export function supports(c: Capabilities, command: ChargerCommandType): boolean {
  return c.commands.has(command);
}
