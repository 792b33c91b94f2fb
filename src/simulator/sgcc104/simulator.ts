/**
 * The family-B charger simulator on a TCP connection: `../socket.ts` dials the gateway and feeds a
 * `Sgcc104Charger`, which logs in on every connection. Used by tests and benchmarks.
 */
import { connectCharger, type ChargerSocket } from '../socket.js';
import { Sgcc104Charger, type Sgcc104ChargerOptions } from './charger.js';

export { Sgcc104Charger, type ReceivedRecord, type Sgcc104Answer, type Sgcc104ChargerEvent, type Sgcc104ChargerOptions } from './charger.js';
export { DEFAULT_TARIFF, type SessionFigures } from './gun.js';

export interface Sgcc104SimulatorOptions extends Sgcc104ChargerOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to dial from (e.g. one of 127.0.0.0/8, to spread a fleet over source addresses). */
  readonly localAddress?: string;
  /** Dial again this long after the connection drops (never after `close()`); default: no reconnect. */
  readonly reconnectDelayMs?: number;
}

/** A `Sgcc104Charger` that dials the gateway itself. */
export class Sgcc104ChargerSimulator extends Sgcc104Charger {
  declare readonly options: Sgcc104SimulatorOptions;
  private socket: ChargerSocket | undefined;

  constructor(options: Sgcc104SimulatorOptions) {
    super(options);
  }

  /** True while the TCP connection to the gateway is open. */
  get isConnected(): boolean {
    return this.socket?.connected === true;
  }

  /** Dials (redialling after drops when `reconnectDelayMs` is set) and resolves once the link is up. */
  async connect(timeoutMs = 10_000): Promise<void> {
    const { host, port, localAddress, reconnectDelayMs } = this.options;
    const online = this.whenOnline(timeoutMs);
    online.catch(() => undefined);
    this.socket = await connectCharger(
      { host, port, clock: this.clock, ...(localAddress === undefined ? {} : { localAddress }), ...(reconnectDelayMs === undefined ? {} : { reconnectDelayMs }) },
      { connected: (output) => this.connected(output), receive: (chunk) => this.receive(chunk), dropped: () => this.dropped() },
    );
    await online;
  }

  /** Closes the connection and every timer. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await socket?.close();
    this.dispose();
  }
}

/** Dials a simulator and resolves once its link is up. */
export async function connectSgcc104Simulator(options: Sgcc104SimulatorOptions): Promise<Sgcc104ChargerSimulator> {
  const sim = new Sgcc104ChargerSimulator(options);
  try {
    await sim.connect();
  } catch (error) {
    await sim.close();
    throw error;
  }
  return sim;
}
