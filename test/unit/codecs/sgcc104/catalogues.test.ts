/**
 * The engine on every shipped catalogue and on the made-up fourth dialect: each record, written
 * from its defaults and from seeded values, frames on the dialect's wire and reads back as itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dialect, FieldSpec } from '../../../../codecs/sgcc104/catalogue.js';
import { fieldOctets, type FieldValue, type FieldValues } from '../../../../codecs/sgcc104/fields.js';
import { loadDialect, parseDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { RecordCodec } from '../../../../codecs/sgcc104/records.js';
import { Sgcc104Framer, decodeLogin, encodeLogin, linkWire } from '../../../../codecs/sgcc104/wire.js';
import { testSeed } from '../../../support/seed.js';
import { MADE_UP_DIALECT } from '../../../support/sgcc104-made-up-dialect.js';

const seed = testSeed('sgcc104 catalogues');
const ZONE = 'Asia/Shanghai';

const dialects: [string, Dialect][] = [
  ['b1', loadDialect('b1')],
  ['b2', loadDialect('b2')],
  ['b3', loadDialect('b3')],
  ['made-up', parseDialect(MADE_UP_DIALECT, 'made-up.yaml')],
];

/** An arbitrary value a field carries (groups: at most their maxCount entries, and what fits an ASDU). */
function fieldArb(f: FieldSpec): fc.Arbitrary<FieldValue> {
  const n = fieldOctets(f);
  switch (f.encoding) {
    case 'bcd':
      return fc.stringMatching(new RegExp(`^[0-9]{${2 * n}}$`));
    case 'uint':
      return fc.integer({ min: 0, max: Math.min(2 ** (8 * n) - 1, 2 ** 31) }).map((raw) => (f.scale === undefined ? raw : Number((raw * f.scale).toFixed(8))));
    case 'cp56':
      return fc.integer({ min: Date.UTC(2001, 0, 2), max: Date.UTC(2098, 11, 30) }).map((ms) => new Date(ms).toISOString());
    case 'ascii':
      return fc.stringMatching(new RegExp(`^[A-Z0-9]{0,${n}}$`));
    case 'group':
      return fc.array(valuesArb(f.fields ?? []), { maxLength: Math.min(f.maxCount ?? 2, 2) });
    default:
      return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
  }
}

function valuesArb(fields: readonly FieldSpec[]): fc.Arbitrary<FieldValues> {
  const counts = new Set(fields.flatMap((f) => (f.encoding === 'group' && typeof f.count === 'string' ? [f.count] : [])));
  return fc.record(Object.fromEntries(fields.filter((f) => !counts.has(f.name) && !(f.encoding === 'group' && typeof f.count === 'number')).map((f) => [f.name, fieldArb(f)])));
}

describe.each(dialects)('dialect %s', (_name, dialect) => {
  const codec = new RecordCodec(dialect, ZONE);
  const wire = linkWire(dialect);

  it('writes every record from its defaults and reads it back as itself', () => {
    for (const spec of dialect.records) {
      const frame = wire.iFrame(0, 0, codec.encode(spec.name, {}, { cause: spec.cause ?? 3 }));
      const items = [...new Sgcc104Framer(dialect).push(frame)];
      expect(
        items.map((i) => i.kind),
        spec.name,
      ).toEqual(['apdu']);
      const r = codec.decode(wire.asdu(frame));
      expect(r.ok && r.kind === 'record' && r.record.spec.name, spec.name).toBe(spec.name);
    }
  });

  it('reads back what it writes for seeded values of every record', () => {
    for (const spec of dialect.records) {
      fc.assert(
        fc.property(valuesArb(spec.fields), (values) => {
          const asdu = codec.encode(spec.name, values, { cause: spec.cause ?? 3 });
          const r = codec.decode(asdu);
          if (!r.ok || r.kind !== 'record') throw new Error(`${spec.name}: ${JSON.stringify(r)}`);
          expect(r.record.spec.name).toBe(spec.name);
          expect(codec.encode(spec.name, r.record.values, { cause: r.record.cause, ...(r.record.ioa === undefined ? {} : { ioa: r.record.ioa }) })).toEqual(asdu);
        }),
        { seed, numRuns: 20 },
      );
    }
  });

  it('writes its login from defaults and reads it back', () => {
    const login = encodeLogin(dialect, {}, ZONE);
    expect(login.length).toBe(dialect.login.octets);
    expect([...new Sgcc104Framer(dialect).push(login)].map((i) => i.kind)).toEqual(['login']);
    expect(decodeLogin(dialect, login, ZONE)).toMatchObject({ ok: true });
  });
});
