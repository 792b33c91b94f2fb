/**
 * Mapping settings of issue 12: the clock-sync retry back-off, the quality policy and a fault's stop
 * reason are accepted where valid and refused with a pointer where not.
 */
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../../../codecs/iec104-points/load-mapping.js';
import { configError } from '../../../support/config-error.js';

const HEAD = `kind: iec104-points
version: 1
charger: { vendor: Example, model: EX-1, currentType: AC, connectors: 1 }
identity: { source: commonAddress }
`;
const POINTS = `points:
  - { ti: M_SP_NA_1, ioa: 1, connector: 1, signal: charging }
`;
const issues = (text: string): string[][] => configError(() => parseMapping(HEAD + text, 'm.yaml')).issues.map((i) => [i.pointer, i.reason]);

describe('mapping policy settings', () => {
  it('accepts a clock-sync retry back-off, and refuses an empty or non-positive one', () => {
    const m = parseMapping(`${HEAD}interrogation: { clockSyncRetrySeconds: [5, 15, 45] }\n${POINTS}`, 'm.yaml');
    expect(m.interrogation?.clockSyncRetrySeconds).toEqual([5, 15, 45]);
    expect(issues(`interrogation: { clockSyncRetrySeconds: [] }\n${POINTS}`).map((i) => i[0])).toEqual(['/interrogation/clockSyncRetrySeconds']);
    expect(issues(`interrogation: { clockSyncRetrySeconds: [10, 0] }\n${POINTS}`).map((i) => i[0])).toEqual(['/interrogation/clockSyncRetrySeconds/1']);
  });

  it('accepts a quality policy per flag, and refuses one for IV or an unknown verdict', () => {
    const m = parseMapping(`${HEAD}quality: { notTopical: mark, substituted: drop }\n${POINTS}`, 'm.yaml');
    expect(m.quality).toEqual({ notTopical: 'mark', substituted: 'drop' });
    expect(issues(`quality: { invalid: mark }\n${POINTS}`).map((i) => i[0])).toEqual(['/quality/invalid']);
    expect(issues(`quality: { blocked: keep }\n${POINTS}`).map((i) => i[0])).toEqual(['/quality/blocked']);
  });

  it('accepts a stop reason on a fault point, and refuses one that is no canonical stop reason', () => {
    const fault = (reason: string): string => `points:\n  - { ti: M_SP_NA_1, ioa: 1, connector: 1, signal: fault, fault: { code: ESTOP, severity: critical, stopReason: ${reason} } }\n`;
    const m = parseMapping(HEAD + fault('emergencyStop'), 'm.yaml');
    expect(m.points[0]).toMatchObject({ fault: { stopReason: 'emergencyStop' } });
    expect(issues(fault('panic')).map((i) => i[0])).toEqual(['/points/0/fault/stopReason']);
  });
});
