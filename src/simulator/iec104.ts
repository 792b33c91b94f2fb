/**
 * TCP driver for the IEC 104 charger simulator: dials the gateway as a charger does (the charger is
 * the TCP client but the 104 controlled station) and wires the socket to a `ChargerSimulator`.
 * Used by tests now and by `pilegate simulate` / `pilegate demo`.
 */
import { systemClock, type Clock } from '../core/clock.js';
import net from 'node:net';
import {
  ChargerSimulator,
  type ChargerSimulatorOptions,
  type SimulatorEvent,
} from '../../codecs/iec104-points/simulator.js';
import { playScript, type ScriptPlayer, type ScriptStep } from '../../codecs/iec104-points/simulator-script.js';

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
  let socket: net.Socket | undefined;
  let stopped = false;
  let retry: { handle: unknown } | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const simulator = new ChargerSimulator({
    ...rest,
    clock,
    meterIntervalMs: options.meterIntervalMs ?? 1_000,
    send: (bytes) => socket?.write(bytes),
    // The link gave up on the connection (t1, bad sequence number): drop it; reconnect decides what next.
    close: () => socket?.destroy(),
  });
  if (onEvent !== undefined) simulator.on(onEvent);
  let player: ScriptPlayer | undefined;

  const finish = (): void => {
    stopped = true;
    player?.cancel();
    simulator.dispose();
    resolveClosed();
  };

  const attach = (s: net.Socket): void => {
    socket = s;
    s.setNoDelay(true);
    s.on('data', (chunk) => simulator.receive(chunk));
    s.on('error', () => undefined); // a reset shows up as 'close' next, which is what matters
    s.once('close', () => {
      if (socket === s) socket = undefined;
      if (stopped || reconnectDelayMs === undefined) return finish();
      simulator.restartLink();
      scheduleRedial();
    });
  };

  const scheduleRedial = (): void => {
    retry = {
      handle: clock.setTimeout(() => {
        retry = undefined;
        if (stopped) return;
        dial(host, port).then(
          (s) => (stopped ? s.destroy() : attach(s)),
          () => scheduleRedial(),
        );
      }, reconnectDelayMs ?? 0),
    };
  };

  try {
    attach(await dial(host, port));
  } catch (error) {
    finish();
    throw error;
  }
  if (script !== undefined) player = playScript(simulator, script);

  return {
    simulator,
    ...(player === undefined ? {} : { player }),
    get connected() {
      return socket !== undefined;
    },
    closed,
    close: async () => {
      stopped = true;
      if (retry !== undefined) clock.clearTimeout(retry.handle);
      retry = undefined;
      if (socket === undefined) finish();
      else socket.destroy();
      await closed;
    },
  };
}

function dial(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
