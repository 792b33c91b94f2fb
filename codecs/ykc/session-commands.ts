/**
 * The canonical commands of one YKC connection, each handed to the part that carries it out:
 * authorizations (`session-auth.ts`), record confirmations (`session-records.ts`), remote start and
 * stop (`session-transactions.ts`), the offline-card list (`session-cards.ts`), the remote update
 * (`session-firmware.ts`), and the pile's settings and clock (`session-settings.ts`). Unlock has no
 * YKC frame; a power limit needs the pile's rated power. The capabilities the session declares
 * (`ykcCapabilities`) name these commands.
 */
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, ChargerCommandType, CommandOutcome } from '../../src/model/commands.js';
import type { CurrentType } from '../../src/model/events.js';
import type { Measurand } from '../../src/model/units.js';
import type { YkcAuthorizations } from './session-auth.js';
import type { YkcCards } from './session-cards.js';
import type { YkcFirmware } from './session-firmware.js';
import type { YkcOutbox } from './session-io.js';
import type { YkcRecords } from './session-records.js';
import type { YkcSettings } from './session-settings.js';
import { gunCode } from './session-support.js';
import type { YkcTransactions } from './session-transactions.js';

const BASE_COMMANDS: readonly ChargerCommandType[] = [
  'startCharging',
  'stopCharging',
  'authorize',
  'setTariff',
  'confirmRecord',
  'setAvailability',
  'reset',
  'setClock',
  'interrogate',
  'setLocalList',
  'updateFirmware',
];

/** What the connection knows of its pile at the moment of a command. */
export interface YkcPileState {
  /** The pile code: from the login, or the one the host named before it. */
  readonly pileCode: string | undefined;
  readonly loggedIn: boolean;
  readonly connectorCount: number;
  readonly currentType: CurrentType;
}

/** The parts of a YKC session that carry out commands. */
export interface YkcCommandParts {
  readonly io: YkcOutbox;
  readonly authorizations: YkcAuthorizations;
  readonly records: YkcRecords;
  readonly transactions: YkcTransactions;
  readonly cards: YkcCards;
  readonly firmware: YkcFirmware;
  readonly settings: YkcSettings;
  readonly ratedPowerW: number | undefined;
}

/** The capabilities of a pile with `connectorCount` guns of `currentType` (`ratedPowerW`: the options' rated power, which a power limit needs). */
export function ykcCapabilities(ratedPowerW: number | undefined, connectorCount: number, currentType: CurrentType): Capabilities {
  const commands = new Set<ChargerCommandType>(BASE_COMMANDS);
  if (ratedPowerW !== undefined) commands.add('setLimit');
  const measurands: Measurand[] = ['energy', 'power', 'voltage', 'current', 'temperature'];
  if (currentType === 'DC') measurands.push('soc');
  return {
    connectorCount,
    currentType,
    commands,
    measurands: new Set(measurands),
    limitUnits: new Set(ratedPowerW !== undefined ? (['W'] as const) : []),
    ...(ratedPowerW !== undefined ? { maxPowerW: ratedPowerW } : {}),
    // 0x52's max power % is pile-wide: a limit goes to connector 0 only, 100 % lifts it.
    ...(ratedPowerW !== undefined ? { limitTargets: new Map([[0, { units: new Set(['W'] as const), maximum: { value: ratedPowerW, unit: 'W' as const } }]]) } : {}),
    evInfo: currentType === 'DC',
    localAuthorization: true,
    transactionRecords: true,
  };
}

/** Hands command `c` to the part that carries it out; throws are the caller's to turn into a rejection. */
export function ykcCommand(c: ChargerCommand, parts: YkcCommandParts, state: YkcPileState): CommandOutcome {
  if (c.type === 'authorize') return parts.authorizations.authorize(c);
  if (c.type === 'confirmRecord') return parts.records.confirmRecord(c);
  // The offline-card query (0x48) and the parking lock (0x62) have no canonical command.
  if (c.type === 'unlock') return { status: 'notSupported', reason: 'YKC session does not carry unlock' };
  if (c.type === 'setLimit' && parts.ratedPowerW === undefined) return { status: 'notSupported', reason: 'rated power unknown: cannot express a limit as a percentage' };
  const pile = state.pileCode;
  if (pile === undefined) return { status: 'rejected', reason: 'charger has not logged in' };
  switch (c.type) {
    case 'startCharging':
      if (!validConnector(c.connector, state.connectorCount)) return { status: 'rejected', reason: `no connector ${c.connector}` };
      return parts.transactions.startCharging(c, pile);
    case 'stopCharging':
      if (!validConnector(c.connector, state.connectorCount)) return { status: 'rejected', reason: `no connector ${c.connector}` };
      // The open transaction is over, its record awaited; what charges is a session the CSMS has not been told of yet.
      if (parts.transactions.waiting(c.connector))
        return { status: 'rejected', reason: 'the session of this connector has ended and its record is awaited; the next session is reported once it came' };
      parts.io.expect(c.id, 'stop', c.connector, { sequence: parts.io.send({ type: 'remoteStop', pileCode: pile, gun: gunCode(c.connector) }) });
      return { status: 'sent' };
    case 'setLocalList':
      return parts.cards.command(c, pile);
    case 'updateFirmware':
      return state.loggedIn ? parts.firmware.command(c, pile, state.currentType) : { status: 'rejected', reason: 'charger has not logged in' };
    default:
      return parts.settings.command(c, pile, state.connectorCount);
  }
}

function validConnector(connector: number, connectorCount: number): boolean {
  return Number.isInteger(connector) && connector >= 1 && connector <= Math.max(connectorCount, 1) && connector <= 99;
}
