/**
 * What a charger of an IEC 104 point-table mapping can do, from its mapped commands and points:
 * the capabilities its station engine is built with.
 */
import { TI } from '../../src/iec104/constants.js';
import type { Capabilities, LimitTarget } from '../../src/model/capabilities.js';
import type { ChargerCommandType, PowerLimit } from '../../src/model/commands.js';
import type { Iec104PointsMapping, LimitCommand } from './mapping.js';
import { PointTable } from './points.js';

/** Largest raw value of a scaled or normalized setpoint (IEC 60870-5-101 §7.2.6.6, §7.2.6.7). */
const SETPOINT_RAW_MAX = 32767;

/** What a charger of this mapping can do. */
export function capabilitiesOf(mapping: Iec104PointsMapping, table = new PointTable(mapping)): Capabilities {
  const commands = new Set<ChargerCommandType>(['setClock', 'interrogate']);
  const limitUnits = new Set<'W' | 'A'>();
  const limitTargets = new Map<number, LimitTarget>();
  for (const c of table.allCommands) {
    commands.add(c.command);
    // The first setLimit of a connector is the one its commands use (PointTable.command).
    if (c.command !== 'setLimit' || limitTargets.has(c.connector)) continue;
    const unit = c.unit === 'A' ? 'A' : 'W';
    limitUnits.add(unit);
    const maximum = limitMaximum(c, mapping);
    limitTargets.set(c.connector, { units: new Set([unit]), ...(maximum !== undefined ? { maximum } : {}) });
  }
  return {
    connectorCount: mapping.charger.connectors,
    currentType: mapping.charger.currentType,
    commands,
    measurands: table.measurands(),
    limitUnits,
    ...(mapping.charger.maxPowerW !== undefined ? { maxPowerW: mapping.charger.maxPowerW } : {}),
    ...(limitTargets.size > 0 ? { limitTargets } : {}),
    evInfo: false,
    localAuthorization: false,
    transactionRecords: false,
  };
}

/**
 * The limit that stands for "no limit" on a setpoint: the charger's maximum power (a power
 * setpoint) or a connector's maximum current (a current setpoint) when the mapping gives it, else
 * the largest value the setpoint can carry (scaled or normalized; a float setpoint has none).
 */
function limitMaximum(c: LimitCommand, mapping: Iec104PointsMapping): PowerLimit | undefined {
  const known = c.unit === 'A' ? mapping.charger.maxCurrentA : mapping.charger.maxPowerW;
  if (known !== undefined) return { value: known, unit: c.unit === 'A' ? 'A' : 'W' };
  const scale = c.scale ?? 1;
  const ti = TI[c.ti];
  let inUnit: number;
  if (ti === TI.C_SE_NB_1) inUnit = SETPOINT_RAW_MAX * scale;
  else if (ti === TI.C_SE_NA_1) inUnit = (SETPOINT_RAW_MAX / 32768) * scale;
  else return undefined;
  return c.unit === 'A' ? { value: inUnit, unit: 'A' } : { value: c.unit === 'kW' ? inUnit * 1000 : inUnit, unit: 'W' };
}
