/** Byte-level mutations of valid inputs for property tests of framers and decoders (fast-check). */
import fc from 'fast-check';

export type Mutation =
  { op: 'flip'; at: number; bit: number } | { op: 'set'; at: number; byte: number } | { op: 'insert'; at: number; byte: number } | { op: 'delete'; at: number } | { op: 'truncate'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies the mutations in order (positions wrap around the current length). */
export function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  const b = [...input];
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'flip') b[at] = (b[at] as number) ^ (1 << m.bit);
    else if (m.op === 'set') b[at] = m.byte;
    else if (m.op === 'insert') b.splice(at, 0, m.byte);
    else if (m.op === 'delete') b.splice(at, 1);
    else b.length = at;
  }
  return Buffer.from(b);
}
