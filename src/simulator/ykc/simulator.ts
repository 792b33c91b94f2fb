/**
 * The YKC charger simulator on a TCP connection: `../socket.ts` dials the platform and feeds a
 * `YkcCharger`, which logs in on every connection. Used by tests, benchmarks and `pilegate simulate`.
 */
import { connectCharger, type ChargerSocket } from '../socket.js';
import { YkcCharger, type YkcChargerOptions } from './charger.js';

export { YkcCharger, type YkcAnswer, type YkcAnswers, type YkcChargerOptions, type YkcCommandFrame } from './charger.js';
export { realTimeFrame, recordFrame, type RealTimeParams, type RecordParams } from './frames.js';
export { runYkcScenario, type YkcScenarioOptions } from './scenario.js';

export interface YkcSimulatorOptions extends YkcChargerOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to dial from (e.g. one of 127.0.0.0/8, to spread a fleet over source addresses). */
  readonly localAddress?: string;
}

/** A `YkcCharger` that dials the platform itself; `connect()` may be called again after a drop or `close()`. */
export class YkcChargerSimulator extends YkcCharger {
  declare readonly options: YkcSimulatorOptions;
  private socket: ChargerSocket | undefined;

  constructor(options: YkcSimulatorOptions) {
    super(options);
  }

  /** True while the TCP connection to the gateway is open. */
  get connected(): boolean {
    return this.socket?.connected === true;
  }

  /** Dials, logs in and resolves once the login answer arrives (rejects on failure or close). */
  async connect(): Promise<void> {
    const { host, port, localAddress } = this.options;
    const socket: ChargerSocket = await connectCharger(
      { host, port, ...(localAddress !== undefined ? { localAddress } : {}) },
      {
        connected: (output) => this.attach((bytes) => output.write(bytes)),
        receive: (chunk) => this.receive(chunk),
        // A connection replaced by a newer `connect()` no longer speaks for the charger (`socket` is set by then: drops come later).
        dropped: () => {
          if (this.socket === socket) this.detach();
        },
      },
    );
    this.socket = socket;
    await this.login();
  }

  /** Closes the connection and every timer. */
  close(): void {
    this.stopTimers();
    void this.socket?.close();
  }
}

/** Dials and logs in a simulator. */
export async function connectYkcSimulator(options: YkcSimulatorOptions): Promise<YkcChargerSimulator> {
  const sim = new YkcChargerSimulator(options);
  await sim.connect();
  return sim;
}
