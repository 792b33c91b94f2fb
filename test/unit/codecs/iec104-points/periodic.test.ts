/** The session's recurring work: each schedule keeps one live timer, and all stop together. */
import { describe, expect, it } from 'vitest';
import { Periodic } from '../../../../codecs/iec104-points/periodic.js';
import { FakeClock } from '../../../support/fake-clock.js';

describe('iec104-points periodic work', () => {
  it('runs each schedule at its own interval with one live timer each, and nothing after clear', () => {
    const clock = new FakeClock(0);
    const periodic = new Periodic(clock);
    const runs: string[] = [];
    periodic.every(5, () => runs.push('ci'));
    periodic.every(15, () => runs.push('gi'));
    periodic.every(0, () => runs.push('never'));
    clock.advance(30 * 60_000);
    expect(runs.filter((r) => r === 'ci')).toHaveLength(6);
    expect(runs.filter((r) => r === 'gi')).toHaveLength(2);
    expect(runs).not.toContain('never');
    expect(clock.pending).toBe(2);
    periodic.clear();
    expect(clock.pending).toBe(0);
    clock.advance(60 * 60_000);
    expect(runs).toHaveLength(8);
    periodic.every(1, () => runs.push('late'));
    clock.advance(5 * 60_000);
    expect(runs).toHaveLength(8);
  });
});
