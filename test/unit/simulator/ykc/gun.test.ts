/** One simulated YKC gun: its meter runs only while it charges, one report timer per session. */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcSimGun } from '../../../../src/simulator/ykc/gun.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let gun: YkcSimGun | undefined;

afterEach(() => gun?.stopTimer());

describe('YKC simulator gun', () => {
  it('charges a second session only for its own time, not for the idle time before it', async () => {
    // 750 V x 100 A = 75 kW: 300 ms idle would be 0.00625 kWh.
    const g = (gun = new YkcSimGun({ pileCode: '32010200000001', gun: 1, voltageV: 750, currentA: 100, timeZone: 'Asia/Shanghai' }));
    g.start('T1', 2, 'D14B0A54', 60_000, () => undefined);
    await sleep(50);
    g.stop();
    const first = g.takeRecord(0x40);
    expect(first.meterEndKwh).toBeGreaterThan(first.meterStartKwh);
    await sleep(300);
    g.start('T2', 2, 'D14B0A54', 60_000, () => undefined);
    g.stop();
    const second = g.takeRecord(0x40);
    expect(second.meterStartKwh).toBe(first.meterEndKwh);
    expect(second.meterEndKwh - second.meterStartKwh).toBeLessThan(0.002);
  });

  it('keeps one report timer when a session starts on a charging gun', async () => {
    const g = (gun = new YkcSimGun({ pileCode: '32010200000001', gun: 1, voltageV: 750, currentA: 100, timeZone: 'Asia/Shanghai' }));
    let reports = 0;
    g.start('T1', 2, 'D14B0A54', 10, () => reports++);
    g.start('T2', 2, 'D14B0A54', 10, () => reports++);
    g.stop();
    const after = reports;
    await sleep(60);
    expect(reports).toBe(after);
    expect(g.charging).toBe(false);
  });
});
