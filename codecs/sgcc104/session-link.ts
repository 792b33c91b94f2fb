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

/**
 * The catalogue's timers (seconds) and windows as link parameters (milliseconds). What it leaves
 * out keeps the IEC default unless that default would contradict what it gives (t2 below t1, w at
 * most k, IEC 60870-5-104 §5.2, §5.5); parameters the link still refuses are replaced by the
 * defaults (and why is returned), so a catalogue can never keep a charger from connecting.
 */
export function linkParams(l: LinkSpec): { params: Partial<LinkParameters>; refused?: string } {
  const out: { -readonly [K in keyof LinkParameters]?: number } = {};
  if (l.t1 !== undefined) out.t1 = l.t1 * 1000;
  if (l.t2 !== undefined) out.t2 = l.t2 * 1000;
  if (l.t3 !== undefined) out.t3 = l.t3 * 1000;
  if (l.k !== undefined) out.k = l.k;
  if (l.w !== undefined) out.w = l.w;
  if (out.t1 !== undefined && out.t2 === undefined && out.t1 <= DEFAULT_LINK_PARAMETERS.t2) out.t2 = Math.floor(out.t1 / 2);
  if (out.k !== undefined && out.w === undefined && out.k < DEFAULT_LINK_PARAMETERS.w) out.w = out.k;
  try {
    resolveLinkParameters(out);
    return { params: out };
  } catch (e) {
    return { params: {}, refused: (e as Error).message };
  }
}
