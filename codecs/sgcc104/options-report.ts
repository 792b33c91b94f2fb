/**
 * What `pilegate mapping check` prints of a family-B listener's options: the dialect, its framing,
 * login and link, the operator's choices, every record with its size and meaning, which business
 * flows the dialect covers and which it lacks (said plainly), and what no public source confirms.
 */
import type { OptionsReport } from '../codec.js';
import { indent, table } from '../../src/core/text-table.js';
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import type { Dialect, FieldSpec, Meaning, RecordSpec } from './catalogue.js';
import { MEANINGS } from './catalogue.js';
import { DEFAULT_COMMAND_TIMEOUT_S } from './load-options.js';
import type { Sgcc104Options } from './options.js';

/** The report of loaded options, for `Codec.checkOptions`. */
export function checkSgcc104Options(options: Sgcc104Options, file: string): OptionsReport {
  return { lines: describeOptions(options, file), json: optionsJson(options) };
}

/** The human summary, line by line. */
export function describeOptions(o: Sgcc104Options, file: string): string[] {
  const d = o.dialect;
  const lines = [`sgcc104 options (${file}): valid`];
  const settings: [string, string][] = [
    ['dialect', `${d.name}: ${d.title}${d.confidence === undefined ? '' : ` (confidence ${d.confidence})`}`],
    ['framing', describeFraming(d)],
    ['login', describeLogin(d)],
    ['link', describeLink(d)],
    ['connectors', `${d.connectors} ${d.currentType}, gun ${d.connectorBase} on the wire = connector 1`],
    ['time zone', o.timeZone === DEFAULT_TIME_ZONE ? `${o.timeZone} (default)` : o.timeZone],
    ['command timeout', `${o.commandTimeoutMs / 1000} s${o.commandTimeoutMs === DEFAULT_COMMAND_TIMEOUT_S * 1000 ? ' (default)' : ''}`],
    ['rated power', o.ratedPowerW === undefined ? 'not set (charge records are not checked against it)' : `${o.ratedPowerW} W`],
    ['tariff', o.tariff === undefined ? 'none (a billing model request is logged and not answered)' : describeTariff(o.tariff)],
  ];
  lines.push(...indent(table(settings)));
  lines.push('', `records (${d.records.length})`);
  lines.push(
    ...indent(
      table(
        d.records.map((r) => [
          `${hex(r.type)}/${r.record === 'none' ? 'none' : r.record.join(',')}`,
          r.name,
          r.meaning,
          MEANINGS[r.meaning].direction,
          `${recordSize(d, r)} octets`,
          [r.answer !== undefined ? `answered by ${r.answer}` : '', r.resultIn !== undefined ? `result in ${r.resultIn}` : ''].filter((x) => x !== '').join(', '),
        ]),
      ),
    ),
  );
  const flows = flowsOf(d);
  lines.push('', 'covered', ...flows.covered.map((f) => `  ${f}`));
  lines.push('', flows.missing.length === 0 ? 'missing: nothing' : 'missing', ...flows.missing.map((f) => `  ${f}`));
  const doubts = unconfirmed(d);
  lines.push('', `unconfirmed (${doubts.length}): what no public source settles; verify on a charger`, ...doubts.map((u) => `  ${u}`));
  return lines;
}

/** `ASDU octets`: header, IOA, record type and fields; `n + k×m` with a counted group. */
export function recordSize(d: Dialect, r: RecordSpec): string {
  const f = d.framing;
  const header = 2 + f.cotOctets + f.caOctets + (f.privateIoa ? f.ioaOctets : 0) + (r.record === 'none' ? 0 : 1);
  const size = sizeOf(r.fields);
  return `${header + size.fixed}${size.groups.map((g) => ` + ${g.count}×${g.size}`).join('')}`;
}

function sizeOf(fields: readonly FieldSpec[]): { fixed: number; groups: { count: string; size: number }[] } {
  let fixed = 0;
  const groups: { count: string; size: number }[] = [];
  for (const x of fields) {
    if (x.encoding !== 'group') fixed += x.octets ?? 0;
    else {
      const inner = sizeOf(x.fields ?? []);
      if (typeof x.count === 'number') fixed += x.count * inner.fixed;
      else groups.push({ count: String(x.count), size: inner.fixed });
    }
  }
  return { fixed, groups };
}

function describeFraming(d: Dialect): string {
  const f = d.framing;
  return [
    `${f.lengthOctets}-octet length`,
    `${f.uFrameOctets}-octet U-frames`,
    f.checksum === 'none' ? 'no checksum' : 'sum16 checksum (LE) after I-frames',
    f.privateIoa ? `private ASDUs with a ${f.ioaOctets}-octet IOA${f.connectorInIoa === true ? ' (connector in its high nibble downlink)' : ''}` : 'private ASDUs without IOA',
    `COT ${f.cotOctets}, CA ${f.caOctets} octets, CA ${f.commonAddress} sent`,
  ].join(', ');
}

function describeLogin(d: Dialect): string {
  const l = d.login;
  const prefix = l.prefix.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  let offset = l.prefix.length;
  const fields = l.fields.map((f) => {
    const at = offset;
    offset += f.octets ?? 0;
    return `${f.name}${f.role === 'chargerId' ? ' (charger id)' : ''} ${f.encoding}${f.order === 'reversed' ? ' reversed' : ''} ${f.octets ?? 0} @${at}`;
  });
  return `${l.octets} octets: ${prefix}, ${fields.join(', ')}; ${l.answer === 'echo' ? 'answered with its echo' : 'not answered'}`;
}

function describeLink(d: Dialect): string {
  const k = d.link;
  const timers = (['t1', 't2', 't3', 'k', 'w'] as const).filter((t) => k[t] !== undefined).map((t) => `${t} ${k[t] ?? ''}${t.startsWith('t') ? ' s' : ''}`);
  return [
    k.startDt ? 'STARTDT after the login' : 'no STARTDT from the gateway',
    k.clockSync ? `clock sync after STARTDT${k.clockSyncHours === undefined ? '' : ` and every ${k.clockSyncHours} h`}` : 'no clock sync',
    k.interrogate ? 'general interrogation after STARTDT' : 'no general interrogation',
    ...(timers.length > 0 ? [timers.join(', ')] : ['IEC 104 timers']),
  ].join(', ');
}

function describeTariff(t: NonNullable<Sgcc104Options['tariff']>): string {
  const prices = (['tip', 'peak', 'flat', 'valley'] as const).map((s) => `${s} ${t.prices[s].energy}+${t.prices[s].service}`).join(', ');
  return `model ${t.billingModelId}; yuan/kWh energy+service: ${prices}; periods ${t.periods.map((p) => `${p.from} ${p.slot}`).join(', ')}`;
}

/** The business flows of issue 15 and whether the dialect's records carry them. */
export function flowsOf(d: Dialect): { covered: string[]; missing: string[] } {
  const has = (m: Meaning): RecordSpec | undefined => d.records.find((r) => r.meaning === m);
  const covered: string[] = [];
  const missing: string[] = [];
  const auth = has('authorizationRequest');
  if (auth !== undefined && d.records.some((r) => r.name === auth.answer)) covered.push(`card authorization: ${auth.name} -> Authorize -> ${auth.answer ?? ''}`);
  else missing.push('card authorization: no request answered by an authorization result; cards at the charger are not checked with the CSMS');
  const start = has('remoteStart');
  if (start !== undefined)
    covered.push(`remote start: RequestStartTransaction -> ${start.name}${start.resultIn === undefined ? ' (no result record: accepted once sent)' : `, result in ${start.resultIn}`}`);
  else
    missing.push(
      `remote start: dialect ${d.name} has no remote-start record; RequestStartTransaction is answered notSupported (charging starts at the charger${auth !== undefined ? ', after a card is accepted' : ''})`,
    );
  const stop = has('remoteStop');
  if (stop !== undefined)
    covered.push(
      `remote stop: RequestStopTransaction -> ${stop.name}${stop.resultIn === undefined ? ' (no result record: the charge record that follows tells the outcome)' : `, result in ${stop.resultIn}`}`,
    );
  else missing.push(`remote stop: dialect ${d.name} has no remote-stop record; RequestStopTransaction is answered notSupported`);
  const session = has('sessionStart');
  if (session !== undefined) covered.push(`session start: ${session.name} -> TransactionEvent Started`);
  const monitoring = has('monitoring');
  if (monitoring !== undefined) covered.push(`status and meter values: ${monitoring.name} -> StatusNotification, MeterValues, faults`);
  else missing.push('status: no monitoring record; connector status is not reported');
  const data = has('chargingData');
  if (data !== undefined) covered.push(`charging data: ${data.name} -> TransactionEvent Updated`);
  const records = d.records.filter((r) => r.meaning === 'chargeRecord');
  for (const r of records) {
    covered.push(`charge record: ${r.name} -> TransactionEvent Ended${r.answer === undefined ? ' (never confirmed to the charger)' : `, confirmed with ${r.answer} after the durable write`}`);
  }
  if (records.length === 0) missing.push('charge records: none; a session ends on its last monitoring figures');
  const request = has('billingModelRequest');
  const model = has('billingModel');
  if (request !== undefined && model !== undefined) covered.push(`billing model: ${request.name} -> ${model.name} from the options' tariff`);
  else if (model !== undefined) covered.push(`billing model: ${model.name} (the charger never asks for it)`);
  else missing.push(`billing model: dialect ${d.name} has no billing-model download the engine can fill; the charger keeps its own prices`);
  const clock = has('clockSync');
  if (clock !== undefined || d.link.clockSync) covered.push(`clock sync: ${clock !== undefined ? clock.name : 'C_CS_NA_1'} from the gateway's clock`);
  else missing.push('clock sync: none; the charger keeps its own clock');
  return { covered, missing };
}

/** Every `unconfirmed` note, with where it sits. */
function unconfirmed(d: Dialect): string[] {
  const out: string[] = [];
  const walk = (where: string, fields: readonly FieldSpec[]): void => {
    for (const f of fields) {
      if (f.unconfirmed !== undefined) out.push(`${where}.${f.name}: ${f.unconfirmed}`);
      if (f.fields !== undefined) walk(`${where}.${f.name}`, f.fields);
    }
  };
  walk('login', d.login.fields);
  for (const r of d.records) {
    if (r.unconfirmed !== undefined) out.push(`${r.name}: ${r.unconfirmed}`);
    walk(r.name, r.fields);
  }
  return out;
}

/** Plain data for `--json` (Maps as objects). */
function optionsJson(o: Sgcc104Options): unknown {
  const d = o.dialect;
  return {
    ...o,
    dialect: {
      ...d,
      types: Object.fromEntries([...d.types].map(([k, v]) => [hex(k), v])),
      values: Object.fromEntries([...d.values].map(([name, table]) => [name, Object.fromEntries(table)])),
    },
  };
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}
