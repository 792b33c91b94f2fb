/**
 * The IEC 104 side of a family-B connection as its catalogue sets it (`link`): the link's timers
 * and windows, and the general interrogation the gateway sends after STARTDT con.
 */
import { COT, QOI_STATION, TI } from '../../src/iec104/constants.js';
import { DEFAULT_LINK_PARAMETERS, resolveLinkParameters, type LinkParameters } from '../../src/iec104/link.js';
import type { Asdu } from '../../src/iec104/types.js';
import type { Dialect, LinkSpec } from './catalogue.js';

/** C_IC_NA_1 act, station interrogation, at the dialect's common address. */
export function interrogation(dialect: Dialect): Asdu {
  return {
    typeId: TI.C_IC_NA_1,
    sq: false,
    cause: COT.ACTIVATION,
    negative: false,
    test: false,
    originator: 0,
    commonAddress: dialect.framing.commonAddress,
    objects: [{ ioa: 0, qoi: QOI_STATION }],
  };
}

/** A catalogue's `link` timers (seconds) and windows, as written (raw or loaded). */
export type LinkTimers = Pick<LinkSpec, 't1' | 't2' | 't3' | 'k' | 'w'>;

/**
 * The catalogue's timers (seconds) and windows as link parameters (milliseconds), for the gateway's
 * session and the simulator alike. What it leaves out keeps the IEC default unless that default would
 * contradict what it gives (t2 below t1, w at most k, IEC 60870-5-104 §5.2, §5.5): t1 alone brings
 * t2 down to half of it, k alone brings w down to it.
 */
export function linkOverrides(l: LinkTimers): Partial<LinkParameters> {
  const out: { -readonly [K in keyof LinkParameters]?: number } = {};
  if (l.t1 !== undefined) out.t1 = l.t1 * 1000;
  if (l.t2 !== undefined) out.t2 = l.t2 * 1000;
  if (l.t3 !== undefined) out.t3 = l.t3 * 1000;
  if (l.k !== undefined) out.k = l.k;
  if (l.w !== undefined) out.w = l.w;
  if (out.t1 !== undefined && out.t2 === undefined && out.t1 <= DEFAULT_LINK_PARAMETERS.t2) out.t2 = Math.floor(out.t1 / 2);
  if (out.k !== undefined && out.w === undefined && out.k < DEFAULT_LINK_PARAMETERS.w) out.w = out.k;
  return out;
}

/**
 * What the IEC 104 link would refuse of the catalogue's timers once `linkOverrides` filled them in
 * (the rules of `resolveLinkParameters`), each with the key to point at: the loader reports these, so
 * a catalogue that loads always gives a link both sides accept. Ranges are the schema's.
 */
export function linkProblems(l: LinkTimers): { readonly key: keyof LinkTimers; readonly reason: string }[] {
  const p = { ...DEFAULT_LINK_PARAMETERS, ...linkOverrides(l) };
  const problems: { key: keyof LinkTimers; reason: string }[] = [];
  const given = (key: keyof LinkTimers): string => (l[key] === undefined ? ', the IEC default' : '');
  if (p.w > p.k)
    problems.push({ key: l.w !== undefined ? 'w' : 'k', reason: `w (${p.w}${given('w')}) must not exceed k (${p.k}${given('k')}): the receiver acknowledges before the sender's window closes` });
  if (p.t2 >= p.t1)
    problems.push({
      key: l.t2 !== undefined ? 't2' : 't1',
      reason: `t2 (${p.t2 / 1000} s${given('t2')}) must be less than t1 (${p.t1 / 1000} s${given('t1')}): an acknowledgement delayed by t2 reaches the peer before its t1`,
    });
  return problems;
}

/**
 * The link parameters of a loaded catalogue (`linkOverrides`). The loader refused every catalogue
 * the link would refuse (`linkProblems`); a dialect built in code that slipped past it is replaced
 * by the defaults (and why is returned), so it can never keep a charger from connecting.
 */
export function linkParams(l: LinkTimers): { params: Partial<LinkParameters>; refused?: string } {
  const out = linkOverrides(l);
  try {
    resolveLinkParameters(out);
    return { params: out };
  } catch (e) {
    return { params: {}, refused: (e as Error).message };
  }
}
