/**
 * The YKC charger simulator as `pilegate simulate` runs it through the codec registry: one
 * `YkcCharger` per pile code that logs in on every connection, its card sessions, and what it
 * reports (logged in, sessions started, records uploaded and confirmed).
 */
import type { YkcOptions } from '../../../codecs/ykc/session-support.js';
import { encodeUFrame } from '../../iec104/apci.js';
import type { ChargerSimulatorFactory, DropCause, LineOutput, SimulatedCharger, SimulatedChargerSetup } from '../factory.js';
import { YkcCharger } from './charger.js';
import { runYkcScenario } from './scenario.js';

const PILE_CODE = /^\d{14}$/;
const LAST_PILE_CODE = 99_999_999_999_999n;
/** What an IEC 104 gateway sends first on a new connection: a YKC pile that gets it dialled the wrong port. */
const STARTDT_ACT = encodeUFrame('STARTDT_ACT');
/** Gives the gateway a moment to bring the station up before the first card start. */
const FIRST_SESSION_DELAY_MS = 3_000;

export const ykcSimulator: ChargerSimulatorFactory<YkcOptions> = {
  firstId: { option: 'first-pile', description: 'YKC 14-digit pile code of the first charger, the others follow', default: '32010200000001' },
  meterIntervalMs: 5_000,
  fleetIds(first, count) {
    if (!PILE_CODE.test(first)) throw new RangeError(`--first-pile must be a 14-digit pile code, got ${JSON.stringify(first)}`);
    const n = BigInt(first);
    if (n + BigInt(count - 1) > LAST_PILE_CODE) throw new RangeError(`--first-pile ${first} with --count ${count} goes past 14 digits`);
    return Array.from({ length: count }, (_, i) => (n + BigInt(i)).toString().padStart(14, '0'));
  },
  create: (setup) => new YkcSimulatedCharger(setup),
};

class YkcSimulatedCharger implements SimulatedCharger {
  readonly name: string;
  private readonly charger: YkcCharger;
  private readonly recordsSeen = new Set<string>();
  private stopSessions: (() => void) | undefined;
  private disposed = false;
  /** Counts connections: what a login of an earlier one settles later says nothing of this one. */
  private connection = 0;
  /** Whether the gateway answered this connection's login (either way). */
  private answered = false;
  /** Whether the gateway opened this connection with IEC 104's STARTDT act. */
  private heardStartdt = false;
  private heardAnything = false;

  constructor(private readonly setup: SimulatedChargerSetup<YkcOptions>) {
    const pileCode = setup.id;
    const report = setup.report;
    this.name = pileCode;
    this.charger = new YkcCharger({
      pileCode,
      gunCount: 2,
      realTimeIntervalMs: setup.meterIntervalMs,
      heartbeatIntervalMs: 10_000,
      recordResendMs: 30_000,
      clock: setup.clock,
      ...(setup.options.timeZone === undefined ? {} : { timeZone: setup.options.timeZone }),
      onFrame: (direction, f) => {
        if (direction === 'in' && f.type === 'loginAnswer') {
          this.answered = true;
          // docs/protocols/ykc.md: result 0 logs the pile in, 1 refuses it (the gateway closes next).
          if (f.result !== 0) report({ type: 'refused', text: `refused by the gateway: login answer result ${f.result} (login refused)` });
        } else if (direction === 'in' && f.type === 'startConfirm') {
          const gun = Number(f.gun);
          report(
            f.authResult === 1
              ? { type: 'sessionStarted', text: `gun ${gun}: session started (card accepted)` }
              : { type: 'sessionRefused', text: `gun ${gun}: card start refused by the gateway (reason ${f.failReason})` },
          );
        } else if (direction === 'in' && f.type === 'remoteStart') report({ type: 'note', text: `gun ${Number(f.gun)}: remote start requested` });
        else if (direction === 'out' && f.type === 'transactionRecord' && !this.recordsSeen.has(f.transactionNo)) {
          this.recordsSeen.add(f.transactionNo);
          report({ type: 'sessionEnded', text: `gun ${Number(f.gun)}: session stopped, record ${f.transactionNo} uploaded` });
        } else if (direction === 'in' && f.type === 'transactionRecordConfirm') report({ type: 'note', text: `record ${f.transactionNo} confirmed` });
      },
    });
  }

  connected(output: LineOutput): void {
    const connection = ++this.connection;
    this.answered = false;
    this.heardStartdt = this.heardAnything = false;
    this.charger.attach((bytes) => output.write(bytes));
    this.charger.login({ onlyNew: true }).then(
      () => {
        if (this.disposed || connection !== this.connection) return;
        this.setup.report({ type: 'online', text: 'connected (login answer: accepted)' });
        this.startSessions();
      },
      () => {
        // A refusing answer was reported as it came; a drop is reported by `dropped`.
        if (this.disposed || connection !== this.connection || this.answered) return;
        this.setup.report({ type: 'note', text: 'no login answer from the gateway in 5 s: is this a YKC port?' });
      },
    );
  }

  receive(chunk: Buffer): void {
    if (!this.heardAnything) this.heardStartdt = chunk.subarray(0, STARTDT_ACT.length).equals(STARTDT_ACT);
    this.heardAnything = true;
    this.charger.receive(chunk);
  }

  dropped(again: boolean, by?: DropCause): void {
    if (by === 'peer' && !this.answered && !this.disposed) {
      const hint = this.heardStartdt ? " (it opened with IEC 104's STARTDT act: is this an IEC 104 port?)" : '';
      this.setup.report({ type: 'refused', text: `refused by the gateway: it closed the connection without a login answer${hint}` });
    }
    this.connection += 1;
    this.stopSessions?.();
    this.stopSessions = undefined;
    this.charger.detach();
    this.setup.report({ type: 'offline' });
    if (!again) this.dispose();
  }

  dispose(): void {
    this.disposed = true;
    this.stopSessions?.();
    this.stopSessions = undefined;
    this.charger.stopTimers();
  }

  private startSessions(): void {
    const { clock, sessions } = this.setup;
    if (sessions === 'idle') return;
    let stopScenario: (() => void) | undefined;
    // 'once': one card session; the scenario's next one would come a day later.
    const scenario = sessions === 'loop' ? { sessionEveryMs: 30_000, sessionLengthMs: 15_000 } : { sessionEveryMs: 86_400_000, sessionLengthMs: 20_000 };
    const first = clock.setTimeout(() => {
      if (!this.disposed) stopScenario = runYkcScenario(this.charger, scenario);
    }, FIRST_SESSION_DELAY_MS);
    this.stopSessions = () => {
      clock.clearTimeout(first);
      stopScenario?.();
    };
  }
}
