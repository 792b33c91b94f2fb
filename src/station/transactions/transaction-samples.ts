/**
 * The meter values of open transactions: periodic Updated events (SampledDataCtrlr.TxUpdatedInterval,
 * J02), samples kept for the Ended event (SampledDataCtrlr / AlignedDataCtrlr TxEndedInterval),
 * clock-aligned values riding in an Updated event (J01) and the Updated event a TriggerMessage asks
 * for (F06.FR.07). Every sample is built from the connector's latest values (`LatestValues`), those
 * measured during the transaction only. How a transaction starts and ends is `Transactions`'.
 */
import type { MeasurementsEvent } from '../../model/events.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { StationContext } from '../context.js';
import { MIN_STALE_MS, staleBefore, type LatestValues } from '../meter-values/latest-values.js';
import { carriesAny, meterValue, sampledValues, type MeterValue, type ReadingContext } from '../meter-values/meter-values.js';
import type { OpenTx, UnnumberedTxEvent } from './transaction-events.js';

/** Samples an Ended event carries at most: the oldest are kept, later ones dropped with a warning. */
const MAX_ENDED_SAMPLES = 500;

/** What the samples need of the transactions. */
export interface SampleHost {
  /** The connector's open transaction, if any. */
  open(connector: number): OpenTx | undefined;
  /** The connectors with an open transaction. */
  connectors(): number[];
  /** True while the connector's transaction waits to be reconciled with the charger (no samples for it then). */
  holds(connector: number): boolean;
  /**
   * Queues one (not the last) event of the connector's open transaction with `tx` as its new state;
   * `seen` (default true): the event tells that the transaction was running then (see `lastSeen`).
   */
  emit(connector: number, tx: OpenTx, event: UnnumberedTxEvent, seen?: boolean): Promise<void>;
  /** Stores `tx` as the connector's open transaction, without an event. */
  keep(connector: number, tx: OpenTx): Promise<void>;
  /** Makes `tx` the connector's open transaction in memory only (nothing worth persisting changed). */
  mark(connector: number, tx: OpenTx): void;
}

type MeasurandList = 'TxEndedMeasurands' | 'TxUpdatedMeasurands';

export class TransactionSamples {
  /** The parsed measurand lists of the last values read, by variable (read on every measurement). */
  private readonly measurandSets = new Map<string, { readonly list: string; readonly set: ReadonlySet<string> }>();

  constructor(
    private readonly ctx: StationContext,
    private readonly latest: LatestValues,
    private readonly host: SampleHost,
  ) {}

  /**
   * After a measurement (already noted in the latest values): periodic meter values, at most every
   * TxUpdatedInterval seconds; and, every SampledDataCtrlr.TxEndedInterval seconds, a sample kept
   * for the Ended event.
   */
  async measured(e: MeasurementsEvent): Promise<void> {
    const at = Date.parse(e.at);
    const held = this.host.open(e.connector);
    if (held === undefined || this.host.holds(e.connector)) return;
    const endedInterval = this.ctx.dm.getNumber('SampledDataCtrlr', 'TxEndedInterval') * 1000;
    if (endedInterval > 0 && at - (held.lastEndedSampleAt ?? Date.parse(held.startedAt)) >= endedInterval && carriesAny(e, this.measurands('TxEndedMeasurands'))) {
      const sample = this.sampleDuring(e.connector, held, ocppTimestamp(at), 'Sample.Periodic', 'TxEndedMeasurands', staleBefore(at, endedInterval));
      if (sample !== undefined) await this.endedSample(e.connector, sample, at);
    }
    // Read again: keeping a sample wrote a new state.
    const tx = this.host.open(e.connector);
    const interval = this.ctx.dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval') * 1000;
    if (tx === undefined || !(interval > 0) || at - tx.lastPeriodicAt < interval || !carriesAny(e, this.measurands('TxUpdatedMeasurands'))) return;
    const timestamp = ocppTimestamp(at);
    const sample = this.sampleDuring(e.connector, tx, timestamp, 'Sample.Periodic', 'TxUpdatedMeasurands', staleBefore(at, interval));
    if (sample === undefined) return;
    await this.host.emit(
      e.connector,
      { ...tx, lastPeriodicAt: at },
      {
        eventType: 'Updated',
        timestamp,
        triggerReason: 'MeterValuePeriodic',
        transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
        meterValue: [sample],
      },
    );
  }

  /** Clock-aligned values (AlignedDataCtrlr.Interval) of a connector in a transaction ride in an Updated event (J01). */
  async clockAligned(connector: number, sample: MeterValue): Promise<boolean> {
    const tx = this.host.open(connector);
    if (tx === undefined || this.host.holds(connector)) return false;
    await this.host.emit(connector, tx, {
      eventType: 'Updated',
      timestamp: sample.timestamp,
      triggerReason: 'MeterValueClock',
      transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
      meterValue: [sample],
    });
    return true;
  }

  /** Keeps a sample for the Ended event of the connector's transaction (persisted with it). */
  async endedSample(connector: number, sample: MeterValue, at = Date.parse(sample.timestamp)): Promise<void> {
    const tx = this.host.open(connector);
    if (tx === undefined || this.host.holds(connector)) return;
    const samples = tx.endedSamples ?? [];
    if (samples.length >= MAX_ENDED_SAMPLES) {
      if (tx.endedSamplesFull !== true) this.ctx.log('warn', 'Ended event sample limit reached: later samples are dropped', { transactionId: tx.transactionId, limit: MAX_ENDED_SAMPLES });
      // Nothing to persist: the mark and the time only spare the next samples the work and the warning.
      this.host.mark(connector, { ...tx, lastEndedSampleAt: at, endedSamplesFull: true });
      return;
    }
    await this.host.keep(connector, { ...tx, lastEndedSampleAt: at, endedSamples: [...samples, sample] });
  }

  /** TriggerMessage(TransactionEvent): an Updated event for each open transaction (F06.FR.07). */
  async trigger(evse?: number): Promise<boolean> {
    const targets = this.host.connectors().filter((c) => evse === undefined || evse === 0 || c === evse);
    for (const connector of targets) {
      const tx = this.host.open(connector);
      if (tx === undefined) continue;
      const timestamp = ocppTimestamp(this.ctx.clock.now());
      // A transaction kept from before and not reported on yet may have ended, and the readings of
      // the new connection may be another session's: it is answered with what it was, and the
      // trigger is no sign that it still runs.
      const held = this.host.holds(connector);
      // On request, at any time: readings within ten minutes of the newest one, one picture of the charger.
      const sample = held ? undefined : this.sampleDuring(connector, tx, timestamp, 'Trigger', 'TxUpdatedMeasurands', Number.NEGATIVE_INFINITY, MIN_STALE_MS);
      const event: UnnumberedTxEvent = {
        eventType: 'Updated',
        timestamp,
        triggerReason: 'Trigger',
        transactionInfo: { transactionId: tx.transactionId, chargingState: tx.chargingState },
        ...(sample !== undefined ? { meterValue: [sample] } : {}),
      };
      await this.host.emit(connector, tx, event, !held);
    }
    return targets.length > 0;
  }

  /** The members of a SampledDataCtrlr measurand list, parsed again only when its value changed. */
  private measurands(variable: MeasurandList): ReadonlySet<string> {
    const list = this.ctx.dm.getString('SampledDataCtrlr', variable);
    const known = this.measurandSets.get(variable);
    if (known !== undefined && known.list === list) return known.set;
    const set = new Set(this.ctx.dm.getList('SampledDataCtrlr', variable));
    if (list !== undefined) this.measurandSets.set(variable, { list, set });
    return set;
  }

  /**
   * The latest value of each of `variable`'s measurands as one sample stamped `timestamp`. Only
   * values measured since `tx` started count (one from before belongs to the idle connector or an
   * earlier session, never to this transaction's figures), and none older than `stale` or than
   * `windowMs` before the connector's newest reading (see `staleBefore`).
   */
  private sampleDuring(connector: number, tx: OpenTx, timestamp: string, context: ReadingContext, variable: MeasurandList, stale: number, windowMs?: number): MeterValue | undefined {
    const latest = this.latest.snapshot(connector, Math.max(Date.parse(tx.startedAt), stale), windowMs);
    return latest === undefined ? undefined : meterValue(timestamp, sampledValues(latest, context, this.measurands(variable)));
  }
}
