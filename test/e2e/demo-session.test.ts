/**
 * `pilegate demo` plays one whole standard session per charger (plug, start, charge, a fault, stop,
 * unplug): the CSMS sees exactly one transaction, ended by the fault, and no near-zero-length
 * second one when the fault clears (the simulated charger does not charge again on its own).
 */
import { describe, expect, it } from 'vitest';
import { runCliProcess } from '../support/cli.js';

describe('pilegate demo session', () => {
  it('reports one transaction per simulated session, ended by the simulated fault', async () => {
    // Boot ~1 s, remote-start wait 2 s, charge 20 s, fault 2 s, stop, wait 2 s, unplug: over by ~28 s.
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
    expect(ended).toBeGreaterThan(faulted);
    expect(frames[ended]).toMatch(/Ended AbnormalCondition /);
  }, 70_000);
});
