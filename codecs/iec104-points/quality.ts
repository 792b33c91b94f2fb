/**
 * What a value's quality descriptor allows (IEC 60870-5-101 §7.2.6.1 SIQ, §7.2.6.2 DIQ, §7.2.6.3
 * QDS): IV (invalid) is never used; NT (not topical) is never used for energy, and elsewhere as the
 * mapping says (dropped by default); OV (overflow), SB (substituted) and BL (blocked) are used and
 * marked by default, or dropped where the mapping says so; a marked energy register reading is
 * reported, never made a session's meter start or stop (`monitor.ts`). The verdict for every
 * combination of flags is worked out once per mapping, so a flagged value costs one table read.
 */
import type { MeasurementQuality } from '../../src/model/events.js';
import type { Iec104PointsMapping, QualityPolicy } from './mapping.js';

/** Quality bits of SIQ, DIQ and QDS (OV exists in QDS only). */
const OV = 0x01;
const BL = 0x10;
const SB = 0x20;
const NT = 0x40;
const IV = 0x80;
/** The bits that carry quality in the octet (the others carry the value or are reserved). */
export const QUALITY_BITS = OV | BL | SB | NT | IV;

/** Dropped (undefined), or used with these flags. */
export type Verdict = readonly MeasurementQuality[] | undefined;

const FLAGS: readonly (readonly [number, MeasurementQuality, keyof QualityPolicy | undefined])[] = [
  [OV, 'overflow', 'overflow'],
  [SB, 'substituted', 'substituted'],
  [BL, 'blocked', 'blocked'],
  [NT, 'notTopical', 'notTopical'],
  [IV, 'invalid', undefined],
];

/** Defaults where the mapping says nothing: a stale value is not taken as current. */
export const DEFAULT_QUALITY_POLICY: Required<QualityPolicy> = { notTopical: 'drop', overflow: 'mark', substituted: 'mark', blocked: 'mark' };

/** The rules of each mapping, shared by all the sessions of its chargers. */
const BY_MAPPING = new WeakMap<Iec104PointsMapping, QualityRules>();

export class QualityRules {
  private readonly values: Verdict[];
  private readonly energy: Verdict[];

  /** The rules of `mapping`'s policy, built once per mapping. */
  static of(mapping: Iec104PointsMapping): QualityRules {
    let rules = BY_MAPPING.get(mapping);
    if (rules === undefined) BY_MAPPING.set(mapping, (rules = new QualityRules(mapping.quality)));
    return rules;
  }

  constructor(policy: QualityPolicy = {}) {
    const rules = { ...DEFAULT_QUALITY_POLICY, ...policy };
    // One frozen array per distinct verdict: the tables hold 512 references to a handful of them.
    const interned = new Map<string, Verdict>();
    const intern = (v: Verdict): Verdict => {
      const key = v === undefined ? '' : v.join(',') || '-';
      if (!interned.has(key)) interned.set(key, v);
      return interned.get(key);
    };
    this.values = Array.from({ length: 256 }, (_, q) => intern(verdictOf(q, rules, false)));
    this.energy = Array.from({ length: 256 }, (_, q) => intern(verdictOf(q, rules, true)));
  }

  /** The verdict for quality bits `q` (non-zero) of a value; `energy` for energy measurands. */
  verdict(q: number, energy: boolean): Verdict {
    return (energy ? this.energy : this.values)[q & QUALITY_BITS];
  }
}

/** The names of the flags set in `q`, in a fixed order (for logs). */
export function flagNames(q: number): MeasurementQuality[] {
  return FLAGS.filter(([bit]) => (q & bit) !== 0).map(([, name]) => name);
}

function verdictOf(q: number, rules: Required<QualityPolicy>, energy: boolean): Verdict {
  const marks: MeasurementQuality[] = [];
  for (const [bit, name, rule] of FLAGS) {
    if ((q & bit) === 0) continue;
    // Invalid is never a value; not topical is never an energy reading (it would be billed).
    if (rule === undefined || (energy && bit === NT) || rules[rule] === 'drop') return undefined;
    marks.push(name);
  }
  return Object.freeze(marks);
}
