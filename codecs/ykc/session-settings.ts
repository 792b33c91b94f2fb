/**
 * Pile-wide settings of a YKC connection: the billing model (0x05/0x06, 0x09/0x0A, set with 0x58 and
 * answered by 0x57), work parameters (0x52: availability and maximum power %), reboot (0x92), clock
 * (0x56) and a real-time data read (0x12) — each from its canonical command, answered by its frame.
 */
import type { ChargerCommand } from '../../src/model/commands.js';
import type { CommandOutcome } from '../codec.js';
import { timestampFromDate } from './fields.js';
import type { YkcOutbox } from './session-io.js';
import { DEFAULT_TARIFF, gunCode, tariffFromPeriods, type YkcTariff } from './session-support.js';
import type { YkcFrameOf } from './types.js';

/** The commands this part carries out. */
export type PileCommand = Extract<ChargerCommand, { type: 'setAvailability' | 'setLimit' | 'reset' | 'setClock' | 'interrogate' | 'setTariff' }>;

export class YkcSettings {
  private workParams = { disabled: 0, maxPowerPercent: 100 };
  /** A billing model set by `setTariff` and accepted by the charger (0x57): used for later 0x05/0x09. */
  private tariffOverride: YkcTariff | undefined;
  private pendingTariff: YkcTariff | undefined;

  constructor(private readonly io: YkcOutbox) {}

  tariff(pileCode: string): YkcTariff {
    const o = this.io.ctx.options;
    return this.tariffOverride ?? o.tariffs?.[pileCode] ?? o.tariff ?? DEFAULT_TARIFF;
  }

  billingModelVerify(f: YkcFrameOf<'billingModelVerify'>): void {
    const t = this.tariff(f.pileCode);
    this.io.reply(f, { type: 'billingModelVerifyAnswer', pileCode: f.pileCode, billingModelId: t.billingModelId, result: f.billingModelId === t.billingModelId ? 0 : 1 });
  }

  billingModelRequest(f: YkcFrameOf<'billingModelRequest'>): void {
    const t = this.tariff(f.pileCode);
    this.io.reply(f, {
      type: 'billingModelAnswer',
      pileCode: f.pileCode,
      billingModelId: t.billingModelId,
      tip: t.tip,
      peak: t.peak,
      flat: t.flat,
      valley: t.valley,
      lossRatio: t.lossRatio ?? 0,
      periods: t.periods,
    });
  }

  billingModelSetAnswer(f: YkcFrameOf<'billingModelSetAnswer'>): void {
    const p = this.io.take('tariff');
    if (p === undefined) return;
    if (f.result === 1 && this.pendingTariff !== undefined) this.tariffOverride = this.pendingTariff;
    this.pendingTariff = undefined;
    this.io.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', undefined, f.result);
  }

  /** Carries out `c` for the logged-in pile `pile` with `connectorCount` guns. */
  command(c: PileCommand, pile: string, connectorCount: number): CommandOutcome {
    switch (c.type) {
      case 'setAvailability': {
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        this.workParams = { ...this.workParams, disabled: c.available ? 0 : 1 };
        this.io.send({ type: 'workParams', pileCode: pile, ...this.workParams });
        this.io.expect(c.id, 'workParams', 0);
        return { status: 'sent' };
      }
      case 'setLimit': {
        const rated = this.io.ctx.options.ratedPowerW;
        if (rated === undefined) return { status: 'notSupported', reason: 'rated power unknown: cannot express a limit as a percentage' };
        if (c.limit.unit !== 'W') return { status: 'notSupported', reason: 'YKC limits power (0x52 max power %), not current' };
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        const percent = Math.min(100, Math.max(30, Math.round((c.limit.value / rated) * 100)));
        this.workParams = { ...this.workParams, maxPowerPercent: percent };
        this.io.send({ type: 'workParams', pileCode: pile, ...this.workParams });
        this.io.expect(c.id, 'workParams', 0);
        return { status: 'sent' };
      }
      case 'reset':
        this.io.send({ type: 'reboot', pileCode: pile, mode: c.kind === 'hard' ? 1 : 2 });
        this.io.expect(c.id, 'reboot', 0);
        return { status: 'sent' };
      case 'setClock':
        this.io.send({ type: 'timeSync', pileCode: pile, time: timestampFromDate(new Date(c.time), this.io.timeZone) });
        this.io.expect(c.id, 'clock', 0);
        return { status: 'sent' };
      case 'interrogate':
        for (let g = 1; g <= connectorCount; g++) this.io.send({ type: 'readRealTimeData', pileCode: pile, gun: gunCode(g) });
        this.io.result(c.id, 'completed');
        return { status: 'sent' };
      case 'setTariff': {
        const t = tariffFromPeriods(c.tariffId, c.periods, this.tariff(pile).billingModelId);
        if (typeof t === 'string') return { status: 'rejected', reason: t };
        this.pendingTariff = t;
        this.io.send({ type: 'billingModelSet', pileCode: pile, ...t, lossRatio: t.lossRatio ?? 0 });
        this.io.expect(c.id, 'tariff', 0);
        return { status: 'sent' };
      }
    }
  }
}
