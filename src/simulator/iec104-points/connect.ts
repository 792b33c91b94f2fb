/**
 * The IEC 104 charger simulator on a TCP connection: `../socket.ts` dials the gateway as a charger
 * does (the charger is the TCP client but the 104 controlled station) and feeds a `ChargerSimulator`.
 * Used by tests now and by `pilegate simulate` / `pilegate demo`.
 */
import { ChargerSimulator, type ChargerSimulatorOptions, type SimulatorEvent } from './simulator.js';
import { playScript, type ScriptPlayer, type ScriptStep } from './script.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { connectCharger, type ChargerSocket } from '../socket.js';

export interface ConnectSimulatorOptions extends Omit<ChargerSimulatorOptions, 'send' | 'close' | 'clock' | 'meterIntervalMs'> {
  readonly host: string;
  readonly port: number;
  /** Default `systemClock`: epoch milliseconds, from which the simulator derives the charger's calendar time. */
  readonly clock?: Clock;
  /** Integrate and report energy this often while charging. Default 1 000 ms. */
  readonly meterIntervalMs?: number;
  /** Dial again this long after the connection drops (never after `close()`). Default: no reconnect. */
  readonly reconnectDelayMs?: number;
  /** Played from the first connection on. */
  readonly script?: readonly ScriptStep[];
  /** Every simulator event (link changes, commands, interrogations...). Must not throw. */
  readonly onEvent?: (event: SimulatorEvent) => void;
}

export interface SimulatorHandle {
  readonly simulator: ChargerSimulator;
  /** The player of `options.script`, if one was given. */
  readonly player?: ScriptPlayer;
  /** True while a TCP connection is up. */
  readonly connected: boolean;
  /** Resolves when the simulator stops for good: after `close()`, or a drop without reconnect. */
  readonly closed: Promise<void>;
  /** Closes the connection, stops reconnecting, the script and every timer. */
  close(): Promise<void>;
}

/**
 * Dials `host:port` and runs a simulated charger on the connection.
 * @throws (rejects) when the first connection attempt fails.
 */
export async function connectSimulator(options: ConnectSimulatorOptions): Promise<SimulatorHandle> {
  const { host, port, reconnectDelayMs, script, onEvent, ...rest } = options;
  const clock = options.clock ?? systemClock;
  let line: ChargerSocket | undefined;
  const simulator = new ChargerSimulator({
    ...rest,
    clock,
    meterIntervalMs: options.meterIntervalMs ?? 1_000,
    send: (bytes) => line?.write(bytes),
    // The link gave up on the connection (t1, bad sequence number): drop it; reconnect decides what next.
    close: () => line?.drop(),
  });
  if (onEvent !== undefined) simulator.on(onEvent);
  let player: ScriptPlayer | undefined;

  try {
    line = await connectCharger(
      { host, port, clock, ...(reconnectDelayMs === undefined ? {} : { reconnectDelayMs }) },
      {
        connected: () => undefined,
        receive: (chunk) => simulator.receive(chunk),
        dropped: (again) => {
          if (again) return simulator.restartLink();
          player?.cancel();
          simulator.dispose();
        },
      },
    );
  } catch (error) {
    simulator.dispose();
    throw error;
  }
  if (script !== undefined) player = playScript(simulator, script);
  const socket = line;

  return {
    simulator,
    ...(player === undefined ? {} : { player }),
    get connected() {
      return socket.connected;
    },
    closed: socket.closed,
    close: () => socket.close(),
  };
}
