/** The second-login decision and the report throttle of `identity.ts`. */
import { describe, expect, it } from 'vitest';
import { duplicateVerdict, Throttle } from '../../../src/gateway/identity.js';

describe('duplicateVerdict', () => {
  const live = { remoteAddress: '10.0.0.5', idleMs: 1_000 };

  it('keeps the live connection under keep-live, whoever comes and however silent it is', () => {
    expect(duplicateVerdict('keep-live', live, '10.0.0.5', 0)).toBe('keep');
    expect(duplicateVerdict('keep-live', { ...live, idleMs: 1e9 }, '10.0.0.6', 30_000)).toBe('keep');
  });

  it('under replace, lets the live address (also in its IPv4-mapped form) or a silent live connection be replaced', () => {
    expect(duplicateVerdict('replace', live, '10.0.0.5', 30_000)).toBe('replace');
    expect(duplicateVerdict('replace', live, '::ffff:10.0.0.5', 30_000)).toBe('replace');
    expect(duplicateVerdict('replace', live, '10.0.0.6', 30_000)).toBe('keep');
    expect(duplicateVerdict('replace', { ...live, idleMs: 30_000 }, '10.0.0.6', 30_000)).toBe('replace');
    expect(duplicateVerdict('replace', live, undefined, 30_000)).toBe('keep');
    // 0: any newcomer replaces (the behaviour before these policies existed).
    expect(duplicateVerdict('replace', live, '192.0.2.1', 0)).toBe('replace');
  });
});

describe('Throttle', () => {
  it('passes once per key and window, and tells the next pass how many were held back', () => {
    let now = 0;
    const t = new Throttle(1_000, () => now);
    expect(t.pass('a')).toBe(0);
    expect(t.pass('a')).toBeUndefined();
    expect(t.pass('a')).toBeUndefined();
    expect(t.pass('b')).toBe(0);
    now = 1_000;
    expect(t.pass('a')).toBe(2);
    expect(t.pass('a')).toBeUndefined();
  });

  it('stays bounded: past maxKeys it forgets expired keys, then the oldest', () => {
    let now = 0;
    const t = new Throttle(1_000, () => now, 3);
    for (const k of ['a', 'b', 'c']) expect(t.pass(k)).toBe(0);
    expect(t.pass('d')).toBe(0);
    // 'a' was forgotten to make room: it passes again within its window.
    expect(t.pass('a')).toBe(0);
    now = 5_000;
    expect(t.pass('e')).toBe(0);
  });
});
