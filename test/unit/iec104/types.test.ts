/**
 * The type table: exactly the type identifications IEC 60870-5-104 §8 allows are known, private
 * and excluded ones stay IEC104_UNKNOWN_TI, and the encoders refuse what the new element layouts
 * cannot carry.
 */
import { describe, expect, it } from 'vitest';
import { EncodeError, SUPPORTED_TYPES, TI, decodeAsdu, encodeAsdu, typeInfo, type Asdu, type InformationObject } from '../../../src/iec104/index.js';

/** IEC 60870-5-104 §8: the ASDUs of IEC 60870-5-101 a 104 station may use, and F_SC_NB_1. */
const IEC104_TYPES = [
  ...[1, 3, 5, 7, 9, 11, 13, 15, 20, 21, ...Array.from({ length: 11 }, (_, i) => 30 + i)],
  ...[45, 46, 47, 48, 49, 50, 51, 58, 59, 60, 61, 62, 63, 64],
  ...[70, 100, 101, 102, 103, 105, 107],
  ...[110, 111, 112, 113],
  ...Array.from({ length: 8 }, (_, i) => 120 + i),
];

const TIME = { milliseconds: 0, minute: 0, hour: 0, day: 1, dayOfWeek: 0, month: 1, year: 26, invalid: false, summerTime: false, substituted: false };
const header = { sq: false, cause: 6, negative: false, test: false, originator: 0, commonAddress: 1 } as const;
const asdu = (typeId: number, objects: object[], sq = false): Asdu => ({ ...header, sq, typeId, objects: objects as InformationObject[] }) as Asdu;

describe('type identifications', () => {
  it('knows exactly the types of the IEC 60870-5-104 companion standard', () => {
    expect(SUPPORTED_TYPES.map((t) => t.id).sort((a, b) => a - b)).toEqual(IEC104_TYPES);
    for (let ti = 0; ti < 256; ti++) expect(typeInfo(ti) !== undefined, `TI ${ti}`).toBe(IEC104_TYPES.includes(ti));
  });

  it('keeps IEC104_UNKNOWN_TI for private types and for those 104 excludes (CP24Time2a, C_TS_NA_1, C_CD_NA_1)', () => {
    for (const ti of [0, 2, 4, 41, 104, 106, 128, 0x86, 255]) {
      const r = decodeAsdu(Uint8Array.of(ti, 1, 3, 0, 1, 0, 1, 0, 0, 0));
      expect(r.ok ? 'decoded' : r.error.code, `TI ${ti}`).toBe('IEC104_UNKNOWN_TI');
    }
  });

  it('sorts the types into the sections of IEC 60870-5-101 §7.2.1.1', () => {
    const group = (name: keyof typeof TI): string | undefined => typeInfo(TI[name])?.group;
    expect([group('M_ME_ND_1'), group('C_BO_TA_1'), group('M_EI_NA_1'), group('C_TS_TA_1'), group('P_AC_NA_1'), group('F_SC_NB_1')]).toEqual([
      'monitor',
      'control',
      'system-monitor',
      'system-control',
      'parameter',
      'file',
    ]);
    // Only the monitor-direction types are not `control`, as before: what a point table may read.
    expect(SUPPORTED_TYPES.filter((t) => !t.control).map((t) => t.id)).toEqual(IEC104_TYPES.filter((id) => id <= 40 || id === 70));
    expect(SUPPORTED_TYPES.filter((t) => t.variable).map((t) => t.name)).toEqual(['F_SG_NA_1']);
  });
});

describe('decoding of the variable-length segment', () => {
  it('reads several segments of different lengths, SQ=0 and SQ=1', () => {
    const objects = [
      { ioa: 0x7001, nof: 1, nos: 1, segment: [1, 2, 3] },
      { ioa: 0x7002, nof: 1, nos: 2, segment: [] },
      { ioa: 0x7003, nof: 1, nos: 3, segment: [0xff] },
    ];
    for (const sq of [false, true]) {
      const bytes = encodeAsdu(asdu(TI.F_SG_NA_1, objects, sq));
      expect(bytes.length).toBe(6 + (sq ? 3 : 9) + 3 * 4 + 4);
      expect(decodeAsdu(bytes)).toEqual({ ok: true, value: asdu(TI.F_SG_NA_1, objects, sq) });
    }
  });

  it('rejects a segment whose LOS runs past the payload, or a payload with octets after the last segment', () => {
    const bytes = encodeAsdu(asdu(TI.F_SG_NA_1, [{ ioa: 1, nof: 1, nos: 1, segment: [1, 2, 3, 4] }]));
    const longer = Buffer.from(bytes);
    longer[12] = 5; // LOS 5 with 4 octets left
    expect(decodeAsdu(longer)).toMatchObject({ ok: false, error: { code: 'IEC104_VSQ_MISMATCH', offset: 12 } });
    const shorter = Buffer.from(bytes);
    shorter[12] = 3; // LOS 3: one octet is left over
    expect(decodeAsdu(shorter)).toMatchObject({ ok: false, error: { code: 'IEC104_VSQ_MISMATCH', offset: 1 } });
    const twoClaimed = Buffer.from(bytes);
    twoClaimed[1] = 2; // VSQ: 2 segments, the payload ends after the first
    expect(decodeAsdu(twoClaimed)).toMatchObject({ ok: false, error: { code: 'IEC104_VSQ_MISMATCH', offset: 1 } });
  });
});

describe('encoding refuses what the new layouts cannot carry', () => {
  const cases: [string, Asdu][] = [
    ['VTI value 64', asdu(TI.M_ST_NA_1, [{ ioa: 1, value: 64, transient: false, quality: 0 }])],
    ['VTI value -65', asdu(TI.M_ST_NA_1, [{ ioa: 1, value: -65, transient: false, quality: 0 }])],
    ['SCD status over 16 bits', asdu(TI.M_PS_NA_1, [{ ioa: 1, status: 0x10000, changeDetection: 0, quality: 0 }])],
    ['SEP state 4', asdu(TI.M_EP_TD_1, [{ ioa: 1, state: 4, quality: 0, elapsedTime: 0, time: TIME }])],
    ['CP16Time2a over 16 bits', asdu(TI.M_EP_TE_1, [{ ioa: 1, start: 1, quality: 0, relayDurationTime: 65536, time: TIME }])],
    ['RCS 4', asdu(TI.C_RC_NA_1, [{ ioa: 1, state: 4, qualifier: 0, select: false }])],
    ['KPA 64', asdu(TI.P_ME_NB_1, [{ ioa: 1, value: 1, kpa: 64, lpc: false, pop: false }])],
    ['TSC over 16 bits', asdu(TI.C_TS_TA_1, [{ ioa: 0, tsc: 70000, time: TIME }])],
    ['LOF over 24 bits', asdu(TI.F_FR_NA_1, [{ ioa: 1, nof: 1, lof: 0x1000000, frq: 0 }])],
    ['a segment without octets', asdu(TI.F_SG_NA_1, [{ ioa: 1, nof: 1, nos: 1 }])],
    ['a segment octet of 256', asdu(TI.F_SG_NA_1, [{ ioa: 1, nof: 1, nos: 1, segment: [256] }])],
    ['a segment that overflows the ASDU', asdu(TI.F_SG_NA_1, [{ ioa: 1, nof: 1, nos: 1, segment: new Array<number>(240).fill(0) }])],
    ['a query log without its range', asdu(TI.F_SC_NB_1, [{ ioa: 1, nof: 1 }])],
  ];
  it.each(cases)('%s', (_what, a) => {
    expect(() => encodeAsdu(a)).toThrow(EncodeError);
  });
});
