/**
 * Mapping checks on what each connector may carry: connector 0 (the charger as a whole) has no plug,
 * charging or status point, and a connector has one energy register (its phase-less energy point).
 */
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../../../codecs/iec104-points/load-mapping.js';
import { configError } from '../../../support/config-error.js';
import { harness } from '../../../support/iec104-points.js';

const HEAD = `kind: iec104-points
version: 1
charger: { vendor: X, model: Y, currentType: AC, connectors: 1 }
identity: { source: commonAddress }
points:
`;

const issues = (points: string) => configError(() => parseMapping(HEAD + points, 'm.yaml')).issues.map((i) => [i.pointer, i.reason]);

describe('parseMapping: connector checks', () => {
  it('rejects plugged, charging and status points on connector 0', () => {
    expect(
      issues(`  - { ti: M_SP_NA_1, ioa: 1, connector: 0, signal: plugged }
  - { ti: M_SP_NA_1, ioa: 2, connector: 0, signal: charging }
  - { ti: M_ME_NB_1, ioa: 3, connector: 0, signal: status, states: { "0": { status: available } } }
  - { ti: M_SP_NA_1, ioa: 4, connector: 0, signal: available }
`),
    ).toEqual(
      ['plugged', 'charging', 'status'].map((s, i) => [
        `/points/${i}/connector`,
        `${s} points need a connector from 1 to 1: connector 0 (the charger as a whole) has no plug or session, only available and fault points`,
      ]),
    );
  });

  it('rejects a second phase-less energy point on one connector, accepts per-phase ones', () => {
    expect(
      issues(`  - { ti: M_IT_NA_1, ioa: 0x6401, connector: 1, signal: measurand, measurand: energy, unit: Wh }
  - { ti: M_IT_NA_1, ioa: 0x6402, connector: 1, signal: measurand, measurand: energy, unit: Wh, phase: L1 }
  - { ti: M_IT_NA_1, ioa: 0x6403, connector: 1, signal: measurand, measurand: energy, unit: kWh }
`),
    ).toEqual([['/points/2/measurand', 'connector 1 already has its energy register at /points/0: a second energy point needs a phase (L1, L2, L3 or N)']]);
  });

  it('accepts an energy point on connector 0 with a warning: it is no session meter', () => {
    const m = parseMapping(`${HEAD}  - { ti: M_IT_NA_1, ioa: 0x6401, connector: 0, signal: measurand, measurand: energy, unit: Wh }
`, 'm.yaml');
    const h = harness(m);
    h.session.start();
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'energy point on connector 0: reported as a charger-wide measurement, never as the meter of a session',
    ]);
  });
});
