/**
 * What a charger of an IEC 104 point-table mapping can do, from its mapped commands and points:
 * the capabilities its station engine is built with.
 */
import type { Capabilities, LimitTarget } from '../../src/model/capabilities.js';
import type { ChargerCommandType } from '../../src/model/commands.js';
import { liftingLimit } from './commands.js';
import type { Iec104PointsMapping } from './mapping.js';
import { PointTable } from './points.js';

/** The capabilities of each mapping, shared by the sessions of all its chargers (they never change). */
const BY_MAPPING = new WeakMap<Iec104PointsMapping, Capabilities>();

/**
 * What a charger of this mapping can do: one object per mapping, shared by every session (a fleet
 * of one model holds its sets and targets once, not once per charger). `table`: the mapping's
 * point table, when the caller has built it.
 */
export function capabilitiesOf(mapping: Iec104PointsMapping, table?: PointTable): Capabilities {
  let caps = BY_MAPPING.get(mapping);
  if (caps === undefined) BY_MAPPING.set(mapping, (caps = build(mapping, table ?? new PointTable(mapping))));
  return caps;
}

function build(mapping: Iec104PointsMapping, table: PointTable): Capabilities {
  const commands = new Set<ChargerCommandType>(['setClock', 'interrogate']);
  const limitUnits = new Set<'W' | 'A'>();
  const limitTargets = new Map<number, LimitTarget>();
  for (const c of table.allCommands) {
    commands.add(c.command);
    // The first setLimit of a connector is the one its commands use (PointTable.command).
    if (c.command !== 'setLimit' || limitTargets.has(c.connector)) continue;
    const unit = c.unit === 'A' ? 'A' : 'W';
    limitUnits.add(unit);
    const maximum = liftingLimit(c, mapping.charger);
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
    // A point table has no transactions: each connection reports what runs (see ConnectorStates).
    sessionsFromState: true,
  };
}
