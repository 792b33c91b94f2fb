import { describe, expect, it } from 'vitest';
import { ChargerMemories } from '../../../src/gateway/charger-memory.js';

describe('ChargerMemories', () => {
  it('keeps one memory per codec and charger, dropping the least recently used beyond its bound', () => {
    const m = new ChargerMemories(2);
    const a = m.of('iec104-points', 'A');
    a.set('k', 1);
    expect(m.of('iec104-points', 'A')).toBe(a);
    const ykcA = m.of('ykc', 'A');
    expect(ykcA).not.toBe(a);
    ykcA.set('k', 2);
    // iec104-points/A is used again, so ykc/A is the least recently used when B comes.
    m.of('iec104-points', 'A');
    m.of('iec104-points', 'B');
    expect(m.size).toBe(2);
    expect(m.of('iec104-points', 'A').get('k')).toBe(1);
    expect(m.of('ykc', 'A').get('k')).toBeUndefined();
  });
});
