/**
 * The energy register readings the transactions take their figures from: the latest finite reading
 * of each connector (what a transaction's state keeps as its latest figure, and what a transaction
 * ended without a reading of its own is given), and the reading of a session's start or end as a
 * Transaction.Begin / Transaction.End meter value. A value that is no finite number is dropped and
 * logged once per station.
 */
import type { Log } from '../../core/log.js';
import { energyValue, type MeterValue, type ReadingContext } from '../meter-values/meter-values.js';
import type { EnergyReading, OpenTx } from './transaction-events.js';

export class EnergyReadings {
  /** The latest finite energy register reading of each connector. */
  private readonly latest = new Map<number, EnergyReading>();
  /** Whether a value that is not a finite number was dropped and logged (once per station). */
  private unreadableLogged = false;

  constructor(private readonly log: Log) {}

  /** Remembers a connector's energy register reading, when it is a finite one. */
  note(connector: number, wh: number | undefined, at: string): void {
    if (wh !== undefined && Number.isFinite(wh)) this.latest.set(connector, { wh, at });
  }

  /** The connector's latest energy reading when it was taken during `tx`. */
  during(connector: number, tx: OpenTx): EnergyReading | undefined {
    const reading = this.latest.get(connector);
    return reading !== undefined && Date.parse(reading.at) >= Date.parse(tx.startedAt) ? reading : undefined;
  }

  /** The energy reading of a session's start or end as a meter value, if there is a finite one. */
  reading(wh: number | undefined, at: string, context: ReadingContext): MeterValue | undefined {
    if (wh !== undefined && !Number.isFinite(wh)) this.unreadable({ context, at });
    return energyValue(wh, at, context);
  }

  /** The Transaction.End reading as the `meterStop` of a transaction's end, if there is one. */
  meterStop(wh: number | undefined, at: string): { meterStop?: MeterValue } {
    const meterStop = this.reading(wh, at, 'Transaction.End');
    return meterStop !== undefined ? { meterStop } : {};
  }

  /** Logs, once per station, that a value which is not a finite number was dropped. */
  unreadable(data: Readonly<Record<string, unknown>>): void {
    if (this.unreadableLogged) return;
    this.unreadableLogged = true;
    this.log('warn', 'meter values that are not finite numbers are dropped (logged once)', data);
  }
}
