/**
 * The family-B charger simulator as `pilegate simulate` and `pilegate demo` run it through the codec
 * registry: one `Sgcc104Charger` per terminal id, playing the listener's dialect (its options'
 * catalogue), card sessions on its connectors in turn, and what it reports (link up, sessions
 * started and ended, records confirmed).
 */
import type { Sgcc104Options } from '../../../codecs/sgcc104/options.js';
import type { ChargerSimulatorFactory, DropCause, LineOutput, SimulatedCharger, SimulatedChargerSetup } from '../factory.js';
import { Sgcc104Charger, type Sgcc104ChargerEvent } from './charger.js';

const TERMINAL_ID = /^\d{16}$/;
const LAST_TERMINAL_ID = 9_999_999_999_999_999n;
/** Gives the gateway a moment to bring the station up before the first card. */
const FIRST_SESSION_DELAY_MS = 3_000;

/** What the simulator needs of the codec's options. */
export type Sgcc104SimulatorOptions = Pick<Sgcc104Options, 'dialect' | 'timeZone' | 'tariff'>;

export const sgcc104Simulator: ChargerSimulatorFactory<Sgcc104SimulatorOptions> = {
  defaultOptionsFile: 'mappings/sgcc104/b3.yaml',
  firstId: { option: 'first-terminal', description: 'family-B 16-digit terminal id of the first charger, the others follow', default: '3100000000010001' },
  meterIntervalMs: 5_000,
  fleetIds(first, count) {
    if (!TERMINAL_ID.test(first)) throw new RangeError(`--first-terminal must be a 16-digit terminal id, got ${JSON.stringify(first)}`);
    const n = BigInt(first);
    if (n + BigInt(count - 1) > LAST_TERMINAL_ID) throw new RangeError(`--first-terminal ${first} with --count ${count} goes past 16 digits`);
    return Array.from({ length: count }, (_, i) => (n + BigInt(i)).toString().padStart(16, '0'));
  },
  create: (setup) => new Sgcc104SimulatedCharger(setup),
};

/** A card number per charger and session (16 digits, as the dialects' BCD 8 cards). */
function cardOf(index: number, session: number): string {
  return `8${String(index).padStart(7, '0')}${String(session).padStart(8, '0')}`;
}

class Sgcc104SimulatedCharger implements SimulatedCharger {
  readonly name: string;
  private readonly charger: Sgcc104Charger;
  private readonly timers = new Set<unknown>();
  private sessionsStarted = false;
  private sessions = 0;
  private next = 1;
  private disposed = false;

  constructor(private readonly setup: SimulatedChargerSetup<Sgcc104SimulatorOptions>) {
    const { options } = setup;
    this.name = setup.id;
    this.charger = new Sgcc104Charger({
      dialect: options.dialect,
      chargerId: setup.id,
      timeZone: options.timeZone,
      clock: setup.clock,
      meterIntervalMs: setup.meterIntervalMs,
      monitoringIntervalMs: 60_000,
      ...(options.tariff === undefined ? {} : { tariff: options.tariff }),
      onEvent: (e) => this.onEvent(e),
    });
  }

  connected(output: LineOutput): void {
    this.charger.connected(output);
  }

  receive(chunk: Buffer): void {
    this.charger.receive(chunk);
  }

  dropped(again: boolean, by?: DropCause): void {
    // The dialects' login answer is an echo with no refusal in it: a refused charger gets none, or no STARTDT, and a close.
    if (by === 'peer' && !this.charger.online && !this.disposed) {
      const when = this.charger.loginAnswered ? 'after answering the login, before STARTDT' : 'after the login, without a login answer';
      this.setup.report({ type: 'refused', text: `refused by the gateway: it closed the connection ${when}` });
    }
    this.charger.dropped();
    if (!again) this.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.timers) this.setup.clock.clearTimeout(t);
    this.timers.clear();
    this.charger.dispose();
  }

  private onEvent(e: Sgcc104ChargerEvent): void {
    const report = this.setup.report;
    switch (e.type) {
      case 'online':
        report({ type: 'online', text: `link up (dialect ${this.charger.dialect.name})` });
        if (!this.sessionsStarted) {
          this.sessionsStarted = true;
          this.startSessions();
        }
        return;
      case 'offline':
        return report({ type: 'offline' });
      case 'sessionStarted':
        return report({ type: 'sessionStarted', text: `connector ${e.connector}: session started (${e.how}), serial ${e.transactionId}` });
      case 'sessionEnded':
        return report({
          type: 'sessionEnded',
          text: `connector ${e.connector}: session ended, ${(e.figures.energyWh / 1000).toFixed(2)} kWh, ${e.figures.amountYuan.toFixed(2)} yuan, record ${e.figures.transactionId} uploaded`,
        });
      case 'confirmed':
        return report({ type: 'note', text: `record ${e.transactionId} confirmed` });
      case 'note':
        return report({ type: 'note', text: e.text });
    }
  }

  /** Card sessions: in a loop (a 15 s session every 30 s, connectors in turn), or one of 20 s. */
  private startSessions(): void {
    const { sessions, index } = this.setup;
    if (sessions === 'idle') return;
    const loop = sessions === 'loop';
    const lengthMs = loop ? 15_000 : 20_000;
    const tick = (): void => {
      const connector = loop ? this.next : 1 + (index % this.charger.connectorCount);
      this.next = (this.next % this.charger.connectorCount) + 1;
      this.sessions += 1;
      if (this.charger.online && !this.charger.gun(connector).charging) {
        this.charger.swipeCard(connector, cardOf(index, this.sessions)).then(
          (r) => {
            if (r.accepted) this.later(() => this.charger.stopCharging(connector, 'local'), lengthMs);
            else this.setup.report({ type: 'sessionRefused', text: `connector ${connector}: card refused by the gateway` });
          },
          (e: unknown) => this.setup.report({ type: 'note', text: `connector ${connector}: card start failed: ${e instanceof Error ? e.message : String(e)}` }),
        );
      }
      if (loop) this.later(tick, 30_000);
    };
    this.later(tick, FIRST_SESSION_DELAY_MS);
  }

  private later(fn: () => void, ms: number): void {
    const t = this.setup.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
  }
}
