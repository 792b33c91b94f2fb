/**
 * A limit the charger confirms after the CSMS was told Rejected (Timeout) (issue 12, point 2). The
 * charger then enforces a limit of a profile that is not installed (or lifted one that is): the
 * station records what the charger has, then sends it the limit the installed profiles want, so
 * that charger and station — and what the CSMS was told — are in step again. A late confirmation of
 * what the profiles want anyway (a period boundary) is recorded and nothing is sent again.
 */
import { describe, expect, it } from 'vitest';
import { HOUR, set, station } from './smart-charging-harness.js';

/** Lets queued microtasks and immediates run (the block's chain, the charger's answers). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A station whose charger answers setLimit at once, or not at all while `silent.on`. */
async function lateStation() {
  const silent = { on: false };
  const s = await station({}, {}, undefined, () => (silent.on ? undefined : 'accepted'));
  /** The charger confirms the last setLimit now. */
  const confirmLast = async (): Promise<void> => {
    s.commands.result({ type: 'commandResult', commandId: s.sentLimits.at(-1)?.id ?? '', status: 'accepted' });
    await flush();
    await s.sc.settled();
  };
  return { ...s, silent, confirmLast };
}

describe('a limit confirmed after the CSMS was told Rejected', () => {
  it('SetChargingProfile: Rejected Timeout, not installed; the late confirmation is followed by the installed limit again', async () => {
    const s = await lateStation();
    expect(await s.sc.setChargingProfile(set(1, { id: 1, periods: [[0, 5_000]] }))).toEqual({ status: 'Accepted' });
    s.silent.on = true;
    const answer = s.sc.setChargingProfile(set(1, { id: 2, stackLevel: 1, periods: [[0, 3_000]] }));
    await flush();
    s.clock.advance(10_000);
    expect(await answer).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(s.sc.installed().map((e) => e.profile.id)).toEqual([1]);
    s.silent.on = false;
    await s.confirmLast();
    expect(s.limits).toEqual(['08:00 c1 5000W', '08:00 c1 3000W', '08:00 c1 5000W']);
    expect(s.sc.installed().map((e) => e.profile.id)).toEqual([1]);
  });

  it('ClearChargingProfile: a GenericError Timeout, the profile stays; the late lift is followed by the profile limit again', async () => {
    const s = await lateStation();
    await s.sc.setChargingProfile(set(2, { id: 1, periods: [[0, 6_000]] }));
    s.silent.on = true;
    const error = s.sc.clearChargingProfile({ chargingProfileId: 1 }).catch((e: unknown) => e);
    await flush();
    s.clock.advance(10_000);
    expect(await error).toMatchObject({ code: 'GenericError', details: { reasonCode: 'Timeout' } });
    s.silent.on = false;
    await s.confirmLast();
    expect(s.limits).toEqual(['08:00 c2 6000W', '08:00 c2 22000W', '08:00 c2 6000W']);
    expect(s.sc.installed().map((e) => e.profile.id)).toEqual([1]);
  });

  it('a period boundary confirmed late: recorded as in force, not sent again', async () => {
    const s = await lateStation();
    await s.sc.setChargingProfile(
      set(1, {
        id: 1,
        periods: [
          [0, 7_000],
          [HOUR / 1000, 5_000],
        ],
      }),
    );
    s.silent.on = true;
    s.clock.advance(HOUR);
    await flush();
    s.clock.advance(10_000);
    await s.sc.settled();
    s.silent.on = false;
    await s.confirmLast();
    // Another change runs every route again: connector 1 has its 5000 W already.
    await s.sc.setChargingProfile(set(2, { id: 2, periods: [[0, 4_000]] }));
    expect(s.limits).toEqual(['08:00 c1 7000W until 09:00', '09:00 c1 5000W', '09:00 c2 4000W']);
  });
});
