/**
 * How the simulated family-B charger answers what the gateway sends: general interrogation (the
 * monitoring records between ACT_CON and ACT_TERM, IEC 60870-5-101 §7.4.4), clock sync (its new time
 * echoed, docs/protocols/state-grid-dialects.md §5), remote start and stop (the dialect's result
 * record, then charging or the end of the session), record confirmations, the billing model (adopted
 * and answered). Each answer is the record the catalogue names (`resultIn`) or the dialect's record
 * of that meaning.
 */
import type { TariffSlot, Sgcc104Tariff } from '../../../codecs/sgcc104/options.js';
import type { FieldSpec } from '../../../codecs/sgcc104/catalogue.js';
import type { FieldValue, FieldValues } from '../../../codecs/sgcc104/fields.js';
import { COT, TI } from '../../iec104/constants.js';
import { cp56FromDate, cp56ToDate } from '../../iec104/cp56.js';
import type { Asdu } from '../../iec104/types.js';
import type { DownlinkHost } from './host.js';
import { digitsOf, fieldOf, fieldValue, fromFieldUnit, recordOf, sameSerial, type ReceivedRecord } from './spec.js';

const SLOT_NUMBERS: Readonly<Record<number, TariffSlot>> = { 1: 'tip', 2: 'peak', 3: 'flat', 4: 'valley' };

export const answerDownlink = {
  /** A standard ASDU: general interrogation or clock sync; others are not the charger's business. */
  standard(c: DownlinkHost, asdu: Asdu): void {
    if (asdu.typeId === TI.C_IC_NA_1 && asdu.cause === COT.ACTIVATION) {
      c.sendStandard({ ...asdu, cause: COT.ACTIVATION_CON });
      for (let n = 1; n <= c.connectorCount; n++) c.sendMonitoring(n, COT.INTERROGATED_BY_STATION);
      c.sendStandard({ ...asdu, cause: COT.ACTIVATION_TERMINATION });
    } else if (asdu.typeId === TI.C_CS_NA_1 && asdu.cause === COT.ACTIVATION) {
      const o = asdu.objects[0];
      const time = o !== undefined && 'time' in o && o.time !== undefined ? cp56ToDate(o.time, c.timeZone) : undefined;
      if (time !== undefined) c.setTime(time.getTime());
      c.sendStandard({ ...asdu, cause: COT.ACTIVATION_CON, objects: [{ ioa: o?.ioa ?? 0, time: cp56FromDate(new Date(c.now()), c.timeZone) }] });
    }
  },

  /** A catalogue record from the gateway. */
  record(c: DownlinkHost, r: ReceivedRecord): void {
    switch (r.spec.meaning) {
      case 'recordConfirm':
        return confirm(c, r);
      case 'remoteStart':
        return remoteStart(c, r);
      case 'remoteStop':
        return remoteStop(c, r);
      case 'billingModel':
        return billingModel(c, r);
      case 'clockSync': {
        const time = fieldValue(r, 'time');
        if (typeof time === 'string' && !Number.isNaN(Date.parse(time))) c.setTime(Date.parse(time));
        // The charger answers with its new time: the dialect's clock report, else the sync echoed (COT 7).
        const report = c.resultFor(r.spec, 'clockReport');
        if (report !== undefined) c.send(report, { time: new Date(c.now()).toISOString() });
        else c.send(r.spec, { time: new Date(c.now()).toISOString() }, {}, {}, COT.ACTIVATION_CON);
        return;
      }
      default:
        // Authorisation and session-start answers are awaited by the flows that asked (`waitFor`).
        return;
    }
  },
};

function confirm(c: DownlinkHost, r: ReceivedRecord): void {
  const serial = digitsOf(fieldValue(r, 'transactionId'));
  if (serial === undefined) return;
  const key = c.outbox.unconfirmed.find((s) => sameSerial(s, serial)) ?? serial;
  if (c.outbox.confirm(key)) c.event({ type: 'confirmed', transactionId: key });
}

function remoteStart(c: DownlinkHost, r: ReceivedRecord): void {
  const answer = c.answers.remoteStart ?? 'execute';
  if (answer === 'silent') return;
  const connector = c.connectorOf(r);
  const gun = connector <= c.connectorCount ? c.gun(connector) : undefined;
  const ok = answer === 'execute' && gun !== undefined && !gun.charging && !gun.faulted;
  const serial = digitsOf(fieldValue(r, 'transactionId')) ?? c.newSerial(Math.min(connector, c.connectorCount));
  const idToken = digitsOf(fieldValue(r, 'idToken')) ?? '0';
  const result = c.resultFor(r.spec, 'startResult');
  if (result !== undefined) {
    c.send(result, {
      chargerId: c.chargerId,
      connector: c.wireConnector(connector),
      transactionId: serial,
      idToken,
      result: ok ? 'accepted' : 'rejected',
      ...(ok ? {} : { failReason: 'default' }),
      meterStart: gun?.registerWh ?? 0,
    });
  }
  if (ok) c.startSession(connector, serial, idToken, 'remote');
}

function remoteStop(c: DownlinkHost, r: ReceivedRecord): void {
  const answer = c.answers.remoteStop ?? 'execute';
  if (answer === 'silent') return;
  const connector = c.connectorOf(r);
  const ok = answer === 'execute' && connector <= c.connectorCount && c.gun(connector).charging;
  const result = c.resultFor(r.spec, 'stopResult');
  if (result !== undefined) c.send(result, { chargerId: c.chargerId, connector: c.wireConnector(connector), result: ok ? 'accepted' : 'rejected', ...(ok ? {} : { failReason: 'default' }) });
  if (ok) c.stopCharging(connector, 'remote');
}

/** Adopts the billing model (periods and prices, as far as the record carries them) and answers it. */
function billingModel(c: DownlinkHost, r: ReceivedRecord): void {
  const tariff = tariffFrom(r, c.tariff);
  c.tariff = tariff;
  const result = c.resultFor(r.spec, 'billingModelResult') ?? recordOf(c.dialect, 'billingModelResult');
  if (result !== undefined) c.send(result, { chargerId: c.chargerId, connector: c.wireConnector(c.connectorOf(r)), billingModelId: tariff.billingModelId, result: 'accepted' });
}

/** The billing model a record describes: a group of periods (start, slot, prices) and/or per-slot prices. */
export function tariffFrom(r: ReceivedRecord, before: Sgcc104Tariff): Sgcc104Tariff {
  const prices: Record<TariffSlot, { energy: number; service: number }> = { ...before.prices };
  const periods: { from: string; slot: TariffSlot }[] = [];
  const id = digitsOf(fieldValue(r, 'billingModelId'));
  const read = (fields: readonly FieldSpec[], values: FieldValues, fixedSlot?: TariffSlot): void => {
    const slotField = fieldOf(fields, 'periodSlot');
    const slotRaw = slotField === undefined ? undefined : values[slotField.name];
    const slot = fixedSlot ?? (typeof slotRaw === 'number' ? SLOT_NUMBERS[slotRaw] : undefined);
    if (slot === undefined) return;
    const price = (role: 'energyPrice' | 'servicePrice'): number | undefined => {
      const f = fields.find((x) => x.role === role && (fixedSlot === undefined || x.period === fixedSlot));
      return fromFieldUnit(f, f === undefined ? undefined : values[f.name], 'yuan/kWh');
    };
    prices[slot] = { energy: price('energyPrice') ?? prices[slot].energy, service: price('servicePrice') ?? prices[slot].service };
    const startField = fieldOf(fields, 'periodStart');
    const from = startField === undefined ? undefined : timeOfDay(values[startField.name]);
    if (from !== undefined && fixedSlot === undefined) periods.push({ from, slot });
  };
  for (const f of r.spec.fields) {
    if (f.encoding === 'group' && f.fields !== undefined) {
      const entries = r.values[f.name];
      if (Array.isArray(entries)) for (const e of entries as FieldValues[]) read(f.fields, e);
    } else if ((f.role === 'energyPrice' || f.role === 'servicePrice') && f.period !== undefined) read(r.spec.fields, r.values, f.period);
  }
  periods.sort((a, b) => a.from.localeCompare(b.from));
  if (periods.length > 0 && periods[0]?.from !== '00:00') periods.unshift({ from: '00:00', slot: periods.at(-1)?.slot ?? 'flat' });
  return { billingModelId: id ?? before.billingModelId, prices, periods: periods.length > 0 ? periods : before.periods };
}

/** A period start as `HH:MM`: minutes since midnight, or digits `HHMM`. */
function timeOfDay(v: FieldValue | undefined): string | undefined {
  let minutes: number | undefined;
  if (typeof v === 'number' && v >= 0 && v < 1440) minutes = v;
  else if (typeof v === 'string' && /^\d{4}$/.test(v)) minutes = Number(v.slice(0, 2)) * 60 + Number(v.slice(2));
  if (minutes === undefined || minutes >= 1440) return undefined;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
