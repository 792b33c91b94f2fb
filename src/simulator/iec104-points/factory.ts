/**
 * The IEC 104 charger simulator as `pilegate simulate` and `pilegate demo` run it through the
 * codec registry: one `ChargerSimulator` per common address, its scripted sessions, and what it
 * reports (link up, sessions started and stopped, faults raised and cleared).
 */
import type { Iec104PointsMapping } from '../../../codecs/iec104-points/mapping.js';
import type { ChargerSimulatorFactory, DropCause, LineOutput, SimulatedCharger, SimulatedChargerSetup } from '../factory.js';
import { playScript, standardSession, type ScriptPlayer } from './script.js';
import { ChargerSimulator, type SimulatorEvent } from './simulator.js';

/** What the simulator needs of the codec's options (`Iec104PointsOptions`). */
export interface Iec104SimulatorOptions {
  readonly mapping: Iec104PointsMapping;
}

const MAX_COMMON_ADDRESS = 65_534;
/** A short pause between two sessions of a connector. */
const SESSION_PAUSE_MS = 3_000;
/**
 * IEC 104 has no login answer: the gateway learns who the charger is from its answer to the
 * general interrogation and refuses it by closing the connection. A connection still up this long
 * after that answer counts as accepted.
 */
const ACCEPT_AFTER_MS = 2_000;
/** Without STARTDT this long after connecting, the charger says it is waiting (a port of a protocol whose chargers speak first stays silent). */
const STARTDT_HINT_MS = 3_000;

/** Where a connection stands, as the gateway's frames tell it. */
type Progress = 'dialled' | 'started' | 'interrogated' | 'accepted';

function chargerName(mapping: Iec104PointsMapping, ca: number): string {
  return mapping.identity.source === 'commonAddress' ? (mapping.identity.template ?? '{ca}').replaceAll('{ca}', String(ca)) : `CA ${ca}`;
}

export const iec104PointsSimulator: ChargerSimulatorFactory<Iec104SimulatorOptions> = {
  defaultOptionsFile: 'mappings/iec104-points/example-dc-2gun.yaml',
  firstId: { option: 'first-address', description: 'IEC 104 common address of the first charger, the others follow', default: '101' },
  meterIntervalMs: 1_000,
  fleetIds(first, count) {
    const n = Number(first);
    if (first.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_COMMON_ADDRESS) {
      throw new RangeError(`--first-address must be an integer from 1 to ${MAX_COMMON_ADDRESS}, got ${JSON.stringify(first)}`);
    }
    if (n + count - 1 > MAX_COMMON_ADDRESS) throw new RangeError(`--first-address ${n} with --count ${count} goes past common address ${MAX_COMMON_ADDRESS}`);
    return Array.from({ length: count }, (_, i) => String(n + i));
  },
  create: (setup) => new Iec104SimulatedCharger(setup),
};

class Iec104SimulatedCharger implements SimulatedCharger {
  readonly name: string;
  private readonly simulator: ChargerSimulator;
  private readonly players = new Set<ScriptPlayer>();
  private readonly charging = new Map<number, boolean>();
  /** The faults raised on each connector, as last reported. */
  private readonly faults = new Map<number, readonly string[]>();
  private output: LineOutput | undefined;
  private started = false;
  private disposed = false;
  private readonly pauses = new Set<unknown>();
  private progress: Progress = 'dialled';
  /** The STARTDT hint or the acceptance wait of the current connection. */
  private timer: unknown;

  constructor(private readonly setup: SimulatedChargerSetup<Iec104SimulatorOptions>) {
    const { mapping } = setup.options;
    const commonAddress = Number(setup.id);
    this.name = chargerName(mapping, commonAddress);
    this.simulator = new ChargerSimulator({
      mapping,
      commonAddress,
      clock: setup.clock,
      meterIntervalMs: setup.meterIntervalMs,
      send: (bytes) => this.output?.write(bytes),
      // The link gave up on the connection (t1, bad sequence number); the socket drops it.
      close: () => this.output?.drop(),
    });
    this.simulator.on((event) => {
      // A state change from a command shows after the command's line (the simulator emits it first).
      if (event.type === 'state') queueMicrotask(() => this.reportState());
      // What came back from the CSMS through the gateway (a remote start, a stop, a limit) shows on the charger's side too.
      else if (event.type === 'command' && !event.select && event.outcome === 'executed' && event.command !== undefined) {
        const where = event.connector !== undefined ? `connector ${event.connector}: ` : '';
        this.setup.report({ type: 'note', text: `${where}${event.command} command from the gateway carried out` });
      }
    });
    this.simulator.on((event) => this.follow(event));
  }

  /** How far the gateway has taken the connection: STARTDT, then the interrogation, then (kept a while) accepted. */
  private follow(event: SimulatorEvent): void {
    if (event.type === 'link' && event.to === 'active' && this.progress === 'dialled') this.progress = 'started';
    else if (event.type === 'interrogation' && this.progress === 'started') {
      this.progress = 'interrogated';
      this.wait(ACCEPT_AFTER_MS, () => this.accepted());
    }
  }

  connected(output: LineOutput): void {
    this.output = output;
    this.progress = 'dialled';
    this.wait(STARTDT_HINT_MS, () => {
      if (this.progress !== 'dialled') return;
      const s = STARTDT_HINT_MS / 1000;
      this.setup.report({
        type: 'note',
        text: `no STARTDT from the gateway after ${s} s: an IEC 104 charger waits for it; is this the gateway's IEC 104 port? (a YKC or family-B port waits for the charger to speak first)`,
      });
    });
  }

  /** The connection outlived the charger's answer to the interrogation: the gateway keeps it. */
  private accepted(): void {
    this.progress = 'accepted';
    this.setup.report({ type: 'online', text: 'connected (STARTDT and interrogation from the gateway)' });
    if (this.started) return;
    this.started = true;
    const { mapping } = this.setup.options;
    if (this.setup.sessions === 'loop') for (let c = 1; c <= mapping.charger.connectors; c++) this.loop(c);
    else if (this.setup.sessions === 'once') {
      const connector = 1 + (this.setup.index % mapping.charger.connectors);
      this.play(standardSession(connector, { startTimeoutSeconds: 2, chargeSeconds: 20, intervalSeconds: 2 }));
    }
  }

  /** Runs `fn` after `ms` unless the connection ends first (one timer per connection). */
  private wait(ms: number, fn: () => void): void {
    this.stopWaiting();
    this.timer = this.setup.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.disposed && this.output !== undefined) fn();
    }, ms);
  }

  private stopWaiting(): void {
    if (this.timer !== undefined) this.setup.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** What a close by the gateway before acceptance says, by how far the connection came. */
  private refusal(): string | undefined {
    const ca = this.simulator.commonAddress;
    switch (this.progress) {
      case 'dialled':
        return 'refused by the gateway: it closed the connection before STARTDT';
      case 'started':
        return 'refused by the gateway: it closed the connection after STARTDT, before an interrogation';
      case 'interrogated':
        // IEC 104 has no refusal message: the gateway's log says why.
        return `refused by the gateway: it closed the connection after the charger answered as common address ${ca} (see the gateway's log for why)`;
      case 'accepted':
        return undefined;
    }
  }

  receive(chunk: Buffer): void {
    this.simulator.receive(chunk);
  }

  dropped(again: boolean, by?: DropCause): void {
    this.stopWaiting();
    const refused = by === 'peer' && !this.disposed ? this.refusal() : undefined;
    this.setup.report(refused === undefined ? { type: 'offline' } : { type: 'refused', text: refused });
    this.output = undefined;
    this.progress = 'dialled';
    if (again) this.simulator.restartLink();
    else this.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.players) p.cancel();
    for (const t of this.pauses) this.setup.clock.clearTimeout(t);
    this.stopWaiting();
    this.simulator.dispose();
  }

  private play(steps: ReturnType<typeof standardSession>): ScriptPlayer {
    const player = playScript(this.simulator, steps);
    this.players.add(player);
    void player.done.then(() => this.players.delete(player));
    return player;
  }

  /** `standardSession` on `connector`, again and again with a short pause. */
  private loop(connector: number): void {
    if (this.disposed) return;
    const player = this.play(standardSession(connector, { startTimeoutSeconds: 5, chargeSeconds: 20, intervalSeconds: 2 }));
    void player.done.then((r) => {
      if (this.disposed || r.status === 'cancelled') return;
      if (r.status === 'failed') this.setup.report({ type: 'note', text: `connector ${connector}: script failed: ${r.error?.message ?? 'unknown error'}` });
      const pause = this.setup.clock.setTimeout(() => {
        this.pauses.delete(pause);
        this.loop(connector);
      }, SESSION_PAUSE_MS);
      this.pauses.add(pause);
    });
  }

  /** Sessions started and stopped, faults raised and cleared, one line each as they happen. */
  private reportState(): void {
    if (this.disposed) return;
    for (let c = 1; c <= this.setup.options.mapping.charger.connectors; c++) {
      const snapshot = this.simulator.connector(c);
      const before = this.faults.get(c) ?? [];
      this.faults.set(c, snapshot.faults);
      const raised = snapshot.faults.filter((f) => !before.includes(f));
      const cleared = before.filter((f) => !snapshot.faults.includes(f));
      const now = snapshot.charging;
      const was = this.charging.get(c) ?? false;
      this.charging.set(c, now);
      if (now !== was && !now) this.setup.report({ type: 'sessionEnded', text: `connector ${c}: session stopped${raised.length > 0 ? ' by the fault' : ''}` });
      for (const f of raised) this.setup.report({ type: 'note', text: `connector ${c}: fault ${f} raised (the gateway reports the connector Faulted)` });
      for (const f of cleared) this.setup.report({ type: 'note', text: `connector ${c}: fault ${f} cleared` });
      if (now !== was && now) this.setup.report({ type: 'sessionStarted', text: `connector ${c}: session started` });
    }
  }
}
