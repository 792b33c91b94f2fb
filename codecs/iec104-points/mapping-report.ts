/**
 * What `pilegate mapping check` prints of an IEC 104 point-table mapping: the charger, identity,
 * addressing, link, interrogation and clock-sync retry, quality policy, every point and command,
 * counts; with `--json` the normalised mapping.
 */
import type { OptionsReport } from '../codec.js';
import { indent, table } from '../../src/core/text-table.js';
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import { DEFAULT_LINK_PARAMETERS } from '../../src/iec104/link-params.js';
import { IEC104_ASDU_PARAMETERS } from '../../src/iec104/types.js';
import { DEFAULT_CLOCK_RETRY_SECONDS } from './clock-sync.js';
import { ioaHex } from './load-mapping.js';
import type { Iec104PointsMapping, MappedCommand, Point, QualityPolicy } from './mapping.js';
import { DEFAULT_QUALITY_POLICY } from './quality.js';
import type { Iec104PointsOptions } from './session.js';

/** The report of loaded options, for `Codec.checkOptions`. */
export function checkIec104Options(options: Iec104PointsOptions, file: string): OptionsReport {
  return { lines: describeMapping(options.mapping, file), json: options.mapping };
}

/** The human summary printed by `mapping check`, line by line. */
export function describeMapping(m: Iec104PointsMapping, file: string): string[] {
  const lines = [`mapping ${m.name} (${file}): valid`];
  if (m.description !== undefined) lines.push(`  ${m.description}`);
  const c = m.charger;
  const dflt = ' (default)';
  const asdu = { ...IEC104_ASDU_PARAMETERS, ...m.asdu };
  const link = {
    k: DEFAULT_LINK_PARAMETERS.k,
    w: DEFAULT_LINK_PARAMETERS.w,
    t1: DEFAULT_LINK_PARAMETERS.t1 / 1000,
    t2: DEFAULT_LINK_PARAMETERS.t2 / 1000,
    t3: DEFAULT_LINK_PARAMETERS.t3 / 1000,
    ...m.link,
  };
  const settings: [string, string][] = [
    ['charger', `${c.vendor} ${c.model}, ${c.currentType}, ${c.connectors} connector${c.connectors === 1 ? '' : 's'}${c.maxPowerW === undefined ? '' : `, max ${c.maxPowerW} W`}`],
    ...(c.maxCurrentA !== undefined ? [['max current', `${c.maxCurrentA} A per connector`] as [string, string]] : []),
    ['identity', `from ${m.identity.source}, template ${m.identity.template ?? '{ca} (default)'}`],
  ];
  if (m.commonAddress !== undefined) settings.push(['common address', String(m.commonAddress)]);
  settings.push(
    ['time zone', m.timeZone ?? `${DEFAULT_TIME_ZONE}${dflt}`],
    ['asdu', `COT ${asdu.cotSize}, CA ${asdu.caSize}, IOA ${asdu.ioaSize} octets${m.asdu === undefined ? dflt : ''}`],
    ['link', `k ${link.k}, w ${link.w}, t1 ${link.t1} s, t2 ${link.t2} s, t3 ${link.t3} s${m.link === undefined ? dflt : ''}`],
  );
  if (m.interrogation !== undefined) settings.push(['interrogation', describeInterrogation(m.interrogation)]);
  const retry = m.interrogation?.clockSyncRetrySeconds;
  settings.push(['clock sync retry', `${(retry ?? DEFAULT_CLOCK_RETRY_SECONDS).join(', ')} s${retry === undefined ? dflt : ''}`]);
  settings.push(['quality', `${describeQuality(m.quality)}${m.quality === undefined ? dflt : ''}`]);
  if (m.commandTimeoutSeconds !== undefined) settings.push(['command timeout', `${m.commandTimeoutSeconds} s`]);
  lines.push(...table(settings));

  lines.push('', `points (${m.points.length})`);
  lines.push(
    ...indent(
      table([['IOA', '', 'TI', 'conn', 'signal', 'label', 'details'], ...m.points.map((p) => [ioaHex(p.ioa), String(p.ioa), p.ti, String(p.connector), p.signal, p.label ?? '', pointDetails(p)])]),
    ),
  );
  const commands = m.commands ?? [];
  lines.push('', `commands (${commands.length})`);
  if (commands.length > 0) {
    lines.push(...indent(table([['command', 'conn', 'TI', 'IOA', '', 'details'], ...commands.map((k) => [k.command, String(k.connector), k.ti, ioaHex(k.ioa), String(k.ioa), commandDetails(k)])])));
  }
  lines.push(
    '',
    `${m.points.length} point${m.points.length === 1 ? '' : 's'} (${counts(m.points.map((p) => p.signal))}), ` +
      `${commands.length} command${commands.length === 1 ? '' : 's'}${commands.length === 0 ? '' : ` (${counts(commands.map((k) => k.command))})`}`,
  );
  return lines;
}

function pointDetails(p: Point): string {
  switch (p.signal) {
    case 'measurand': {
      const parts = [`${p.measurand} in ${p.unit}`];
      if (p.scale !== undefined) parts.push(`scale ${p.scale}`);
      if (p.offset !== undefined) parts.push(`offset ${p.offset}`);
      if (p.phase !== undefined) parts.push(`phase ${p.phase}`);
      return parts.join(', ');
    }
    case 'fault':
      return (
        `${p.fault.code} ${p.fault.severity}${p.fault.name === undefined ? '' : ` (${p.fault.name})`}${p.invert === true ? ', inverted' : ''}` +
        `${p.fault.stopReason === undefined ? '' : `, stop reason ${p.fault.stopReason}`}`
      );
    case 'status':
      return Object.entries(p.states)
        .map(([raw, s]) => `${raw}=${s.status}${s.chargingState === undefined ? '' : `/${s.chargingState}`}${s.plugged === undefined ? '' : s.plugged ? ' plugged' : ' unplugged'}`)
        .join('; ');
    case 'sessionStartEnergy': {
      const parts = [`energy in ${p.unit}`];
      if (p.scale !== undefined) parts.push(`scale ${p.scale}`);
      if (p.offset !== undefined) parts.push(`offset ${p.offset}`);
      return parts.join(', ');
    }
    case 'sessionStartTime':
      return 'Unix time, s';
    default:
      return p.invert === true ? 'inverted' : '';
  }
}

function commandDetails(k: MappedCommand): string {
  const parts: string[] = [];
  switch (k.command) {
    case 'setAvailability':
      parts.push(`available ${k.available}`);
      break;
    case 'setLimit':
      parts.push(`unit ${k.unit}`);
      if (k.scale !== undefined) parts.push(`scale ${k.scale}`);
      break;
    default:
      parts.push(`value ${k.value}`);
  }
  if (k.selectBeforeOperate === true) parts.push('select-before-operate');
  if (k.qualifier !== undefined) parts.push(`qualifier ${k.qualifier}`);
  return parts.join(', ');
}

function describeInterrogation(i: NonNullable<Iec104PointsMapping['interrogation']>): string {
  const one = (what: string, onConnect: boolean | undefined, every: number | undefined): string | undefined => {
    const when = [onConnect === true ? 'on connect' : undefined, every !== undefined && every > 0 ? `every ${every} min` : undefined].filter((x) => x !== undefined);
    return when.length === 0 ? undefined : `${what} ${when.join(' + ')}`;
  };
  const parts = [
    one('general', i.generalOnConnect, i.generalEveryMinutes),
    one('counters', i.countersOnConnect, i.countersEveryMinutes),
    one('clock sync', i.clockSyncOnConnect, i.clockSyncEveryMinutes),
  ].filter((x) => x !== undefined);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** What the policy does with each flag (see `docs/iec104-points.md`), e.g. `NT drop, OV mark, SB mark, BL mark`. */
function describeQuality(policy: QualityPolicy | undefined): string {
  const q = { ...DEFAULT_QUALITY_POLICY, ...policy };
  return `NT ${q.notTopical}, OV ${q.overflow}, SB ${q.substituted}, BL ${q.blocked}`;
}

/** `10 fault, 1 available` in order of first appearance. */
function counts(names: readonly string[]): string {
  const n = new Map<string, number>();
  for (const name of names) n.set(name, (n.get(name) ?? 0) + 1);
  return [...n].map(([name, count]) => `${count} ${name}`).join(', ');
}
