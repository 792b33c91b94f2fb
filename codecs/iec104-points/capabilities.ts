/**
 * What a charger of an IEC 104 point-table mapping can do, from its mapped commands and points:
 * the capabilities its station engine is built with.
 */
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommandType } from '../../src/model/commands.js';
import type { Iec104PointsMapping } from './mapping.js';
import { PointTable } from './points.js';

/** What a charger of this mapping can do. */
export function capabilitiesOf(mapping: Iec104PointsMapping, table = new PointTable(mapping)): Capabilities {
  const commands = new Set<ChargerCommandType>(['setClock', 'interrogate']);
  const limitUnits = new Set<'W' | 'A'>();
  for (const c of table.allCommands) {
    commands.add(c.command);
    if (c.command === 'setLimit') limitUnits.add(c.unit === 'A' ? 'A' : 'W');
  }
  return {
    connectorCount: mapping.charger.connectors,
    currentType: mapping.charger.currentType,
    commands,
    measurands: table.measurands(),
    limitUnits,
    ...(mapping.charger.maxPowerW !== undefined ? { maxPowerW: mapping.charger.maxPowerW } : {}),
    evInfo: false,
    localAuthorization: false,
    transactionRecords: false,
  };
}
