/**
 * `pilegate demo` plays one whole standard session per charger (plug, start, charge, stop, then a
 * fault on the idle connector that clears, unplug): the CSMS sees exactly one transaction, ended by
 * the stop and not by the fault, and no second one when the fault clears.
 */
import { describe, expect, it } from 'vitest';
import { runCliProcess } from '../support/cli.js';

describe('pilegate demo session', () => {
  it('reports one transaction per simulated session, ended before the simulated fault', async () => {
    // Boot ~1 s, remote-start wait 2 s, charge 20 s, stop, wait 2 s, fault 2 s, wait, unplug: over by ~30 s.
    const r = await runCliProcess(['demo', '--duration', '32', '--chargers', '1'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} {2}EXDC101\s+-> {2}(TransactionEvent|StatusNotification) /.test(l));
    const tx = frames.filter((l) => l.includes('TransactionEvent'));
    expect(
      tx.filter((l) => / Started /.test(l)),
      r.stdout,
    ).toHaveLength(1);
    expect(
      tx.filter((l) => / Ended /.test(l)),
      r.stdout,
    ).toHaveLength(1);
    const ended = frames.findIndex((l) => / Ended /.test(l));
    const faulted = frames.findIndex((l) => /evse 1\/1 Faulted$/.test(l));
    expect(faulted).toBeGreaterThan(-1);
    expect(faulted).toBeGreaterThan(ended);
    expect(frames[ended]).not.toMatch(/AbnormalCondition/);
  }, 70_000);
});
