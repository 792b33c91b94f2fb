/**
 * A family-B session on hostile input (seeded properties): every uplink record of each dialect,
 * its octets mutated, re-framed into well-formed I-frames in sequence. Whatever the records say,
 * the session never throws, never spends the bad-frame budget on a well-framed APDU, never closes,
 * and every event it reports is well formed (finite numbers, UTC times, known reasons).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IGNORED_REASONS } from '../../../../codecs/codec.js';
import { MEANINGS, type Dialect, type FieldSpec } from '../../../../codecs/sgcc104/catalogue.js';
import type { FieldValue, FieldValues } from '../../../../codecs/sgcc104/fields.js';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { RecordCodec } from '../../../../codecs/sgcc104/records.js';
import type { ChargerEventType } from '../../../../src/model/events.js';
import { mutate, mutation } from '../../../support/mutations.js';
import { testSeed } from '../../../support/seed.js';
import { SG_ZONE, sgRig } from '../../../support/sgcc104-session.js';

const seed = testSeed('sgcc104 session fuzz');
/** What a family-B session may report. */
const EVENT_TYPES: readonly ChargerEventType[] = [
  'identified',
  'link',
  'connectorStatus',
  'measurements',
  'authorizationRequest',
  'sessionStarted',
  'transactionRecord',
  'transactionRecordHeld',
  'fault',
  'commandResult',
  'clockReport',
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every number in `value`, however deep. */
function numbers(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbers);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbers);
  return [];
}

const ID = '3100000000010019';

/** A plausible value of each field: the logged-in charger id, gun 1, a serial, a card, a recent time, the first code of a values table. */
function sample(dialect: Dialect, fields: readonly FieldSpec[]): FieldValues {
  const out: Record<string, FieldValue> = {};
  const counts = new Set(fields.flatMap((f) => (typeof f.count === 'string' ? [f.count] : [])));
  for (const f of fields) {
    if (f.encoding === 'group' || f.encoding === 'reserved' || f.encoding === 'bytes' || counts.has(f.name)) continue;
    const digits = (f.octets ?? 1) * 2;
    if (f.encoding === 'cp56') out[f.name] = '2026-12-07T07:30:00.000Z';
    else if (f.encoding === 'ascii') out[f.name] = 'AB12';
    else if (f.encoding === 'bcd') out[f.name] = f.role === 'chargerId' ? ID.padStart(digits, '0').slice(-digits) : '1'.repeat(digits);
    else if (f.values !== undefined) out[f.name] = [...(dialect.values.get(f.values)?.keys() ?? [0])][0] ?? 0;
    else out[f.name] = f.role === 'connector' ? dialect.connectorBase : 1;
  }
  return out;
}

/** Events of interest seen over every run, by type: that the records said something. */
const seen = new Map<string, number>();

describe.each(['b1', 'b2', 'b3'])('sgcc104 session on mutated records of %s', (name) => {
  const dialect = loadDialect(name);
  const codec = new RecordCodec(dialect, SG_ZONE);
  const uplink = dialect.records.filter((r) => MEANINGS[r.meaning].direction !== 'down');
  const asdus = uplink.map((r) => codec.encode(r.name, sample(dialect, r.fields)));

  it('never throws, never counts a well-framed APDU as bad, never closes, and reports only well-formed events', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ which: fc.nat(), mutations: fc.array(mutation, { maxLength: 4 }) }), { minLength: 1, maxLength: 12 }), (sends) => {
        const r = sgRig(dialect, {
          tariff: {
            billingModelId: '1',
            prices: { tip: { energy: 1, service: 1 }, peak: { energy: 1, service: 1 }, flat: { energy: 1, service: 1 }, valley: { energy: 1, service: 1 } },
            periods: [{ from: '00:00', slot: 'flat' }],
          },
        });
        r.up(ID);
        for (const s of sends) {
          const asdu = mutate(asdus[s.which % asdus.length] as Buffer, s.mutations);
          if (asdu.length === 0) continue;
          expect(() => r.asdu(asdu)).not.toThrow();
          r.clock.advance(1000);
        }
        expect(r.errors).toEqual([]);
        expect(r.closed).toEqual([]);
        for (const reason of r.ignored) expect(IGNORED_REASONS).toContain(reason);
        for (const e of r.events) {
          seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
          expect(EVENT_TYPES).toContain(e.type);
          for (const n of numbers(e)) expect(Number.isFinite(n)).toBe(true);
          for (const key of ['at', 'startedAt', 'endedAt', 'chargerTime'] as const) {
            const t = (e as unknown as Record<string, unknown>)[key];
            if (t !== undefined) expect(t).toMatch(ISO);
          }
        }
      }),
      { seed, numRuns: 150 },
    );
  });
});

describe('sgcc104 session fuzz', () => {
  it('fed records that said something (statuses, measurements, sessions, billing records, authorisations)', () => {
    for (const type of ['connectorStatus', 'measurements', 'sessionStarted', 'authorizationRequest']) expect(seen.get(type) ?? 0).toBeGreaterThan(0);
    expect((seen.get('transactionRecord') ?? 0) + (seen.get('transactionRecordHeld') ?? 0)).toBeGreaterThan(0);
  });
});
