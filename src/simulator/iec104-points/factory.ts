/**
 * The IEC 104 charger simulator as `pilegate simulate` and `pilegate demo` run it through the
 * codec registry: one `ChargerSimulator` per common address, its scripted sessions, and what it
 * reports (link up, sessions started and stopped).
 */
import type { Iec104PointsMapping } from '../../../codecs/iec104-points/mapping.js';
import type { ChargerSimulatorFactory, LineOutput, SimulatedCharger, SimulatedChargerSetup } from '../factory.js';
import { playScript, standardSession, type ScriptPlayer } from './script.js';
import { ChargerSimulator } from './simulator.js';

/** What the simulator needs of the codec's options (`Iec104PointsOptions`). */
export interface Iec104SimulatorOptions {
  readonly mapping: Iec104PointsMapping;
}

const MAX_COMMON_ADDRESS = 65_534;
/** A short pause between two sessions of a connector. */
const SESSION_PAUSE_MS = 3_000;

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
  private output: LineOutput | undefined;
  private started = false;
  private disposed = false;
  private readonly pauses = new Set<unknown>();

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
      if (event.type === 'state') this.reportSessions();
      // What came back from the CSMS through the gateway (a remote start, a stop, a limit) shows on the charger's side too.
      else if (event.type === 'command' && !event.select && event.outcome === 'executed' && event.command !== undefined) {
        const where = event.connector !== undefined ? `connector ${event.connector}: ` : '';
        this.setup.report({ type: 'note', text: `${where}${event.command} command from the gateway carried out` });
      }
    });
  }

  connected(output: LineOutput): void {
    this.output = output;
    this.setup.report({ type: 'online', text: 'connected' });
    if (this.started) return;
    this.started = true;
    const { mapping } = this.setup.options;
    if (this.setup.sessions === 'loop') for (let c = 1; c <= mapping.charger.connectors; c++) this.loop(c);
    else if (this.setup.sessions === 'once') {
      const connector = 1 + (this.setup.index % mapping.charger.connectors);
      this.play(standardSession(connector, { startTimeoutSeconds: 2, chargeSeconds: 20, intervalSeconds: 2 }));
    }
  }

  receive(chunk: Buffer): void {
    this.simulator.receive(chunk);
  }

  dropped(again: boolean): void {
    this.output = undefined;
    this.setup.report({ type: 'offline' });
    if (again) this.simulator.restartLink();
    else this.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.players) p.cancel();
    for (const t of this.pauses) this.setup.clock.clearTimeout(t);
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

  private reportSessions(): void {
    for (let c = 1; c <= this.setup.options.mapping.charger.connectors; c++) {
      const now = this.simulator.connector(c).charging;
      if (now === (this.charging.get(c) ?? false)) continue;
      this.charging.set(c, now);
      this.setup.report(now ? { type: 'sessionStarted', text: `connector ${c}: session started` } : { type: 'sessionEnded', text: `connector ${c}: session stopped` });
    }
  }
}
