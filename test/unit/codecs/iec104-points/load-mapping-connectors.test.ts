/**
 * Mapping checks on what each connector may carry: connector 0 (the charger as a whole) has no plug,
 * charging or status point, and a connector has one energy register (its phase-less energy point)
 * and at most one of each session start figure, whose start energy is a reading of that register.
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
    const m = parseMapping(
      `${HEAD}  - { ti: M_IT_NA_1, ioa: 0x6401, connector: 0, signal: measurand, measurand: energy, unit: Wh }
`,
      'm.yaml',
    );
    const h = harness(m);
    h.session.start();
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['energy point on connector 0: reported as a charger-wide measurement, never as the meter of a session']);
  });

  it('takes the session start figures of a connector with a register, one of each', () => {
    const m = parseMapping(
      `${HEAD}  - { ti: M_IT_NA_1, ioa: 0x6401, connector: 1, signal: measurand, measurand: energy, unit: kWh, scale: 0.01 }
  - { ti: M_IT_NA_1, ioa: 0x6411, connector: 1, signal: sessionStartEnergy, unit: kWh, scale: 0.01 }
  - { ti: M_IT_NA_1, ioa: 0x6421, connector: 1, signal: sessionStartTime }
`,
      'm.yaml',
    );
    expect(m.points.map((p) => p.signal)).toEqual(['measurand', 'sessionStartEnergy', 'sessionStartTime']);
  });

  it('rejects session start figures on connector 0, twice on a connector, and a start energy without a register', () => {
    expect(
      issues(`  - { ti: M_IT_NA_1, ioa: 0x6411, connector: 0, signal: sessionStartEnergy, unit: Wh }
  - { ti: M_IT_NA_1, ioa: 0x6421, connector: 1, signal: sessionStartTime }
  - { ti: M_IT_NA_1, ioa: 0x6422, connector: 1, signal: sessionStartTime }
  - { ti: M_ME_NC_1, ioa: 0x4001, connector: 1, signal: sessionStartEnergy, unit: kWh }
`),
    ).toEqual([
      ['/points/0/connector', 'sessionStartEnergy points need a connector from 1 to 1: connector 0 (the charger as a whole) has no plug or session, only available and fault points'],
      ['/points/2/signal', 'connector 1 already has its sessionStartTime point at /points/1'],
      ['/points/3/connector', 'sessionStartEnergy of connector 1 is a reading of its energy register, and the connector has none (a measurand energy point without phase)'],
    ]);
  });

  it('takes a start time only as a counter (seconds of Unix time do not fit a float)', () => {
    const reasons = issues(`  - { ti: M_ME_NC_1, ioa: 0x4001, connector: 1, signal: sessionStartTime }
`).map(([pointer]) => pointer);
    expect(reasons).toEqual(['/points/0/ti']);
  });
});
