/**
 * What the simulated family-B charger offers the code that answers the gateway (`downlink.ts`), and
 * what it tells its owner: kept apart from `charger.ts` so that neither imports the other's module.
 */
import type { Dialect, RecordSpec } from '../../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../../codecs/sgcc104/fields.js';
import type { Sgcc104Tariff } from '../../../codecs/sgcc104/options.js';
import type { Asdu } from '../../iec104/types.js';
import type { SessionFigures, SimGun } from './gun.js';
import type { RecordOutbox } from './outbox.js';
import type { PeriodValues, ReceivedRecord, RoleValues } from './spec.js';

/** How the charger answers a remote command: carried out, refused (a negative result record) or not at all. */
export type Sgcc104Answer = 'execute' | 'refuse' | 'silent';

export type Sgcc104ChargerEvent =
  | { readonly type: 'online' }
  | { readonly type: 'offline' }
  | { readonly type: 'sessionStarted'; readonly connector: number; readonly transactionId: string; readonly how: 'card' | 'remote' }
  | { readonly type: 'sessionEnded'; readonly connector: number; readonly figures: SessionFigures }
  | { readonly type: 'confirmed'; readonly transactionId: string }
  | { readonly type: 'note'; readonly text: string };

export interface DownlinkHost {
  readonly dialect: Dialect;
  readonly chargerId: string;
  readonly timeZone: string;
  readonly connectorCount: number;
  readonly outbox: RecordOutbox;
  tariff: Sgcc104Tariff;
  answers: { remoteStart?: Sgcc104Answer; remoteStop?: Sgcc104Answer };
  now(): number;
  setTime(ms: number): void;
  gun(connector: number): SimGun;
  wireConnector(connector: number): number;
  connectorOf(r: ReceivedRecord): number;
  newSerial(connector: number): string;
  send(spec: RecordSpec, roles: RoleValues, periods?: PeriodValues, patch?: FieldValues, cause?: number): boolean;
  sendStandard(asdu: Asdu): boolean;
  sendMonitoring(connector: number, cause?: number): void;
  startSession(connector: number, serial: string, idToken: string, how: 'card' | 'remote'): void;
  stopCharging(connector: number, endReason?: string): string | undefined;
  resultFor(spec: RecordSpec, meaning: RecordSpec['meaning']): RecordSpec | undefined;
  event(e: Sgcc104ChargerEvent): void;
}
