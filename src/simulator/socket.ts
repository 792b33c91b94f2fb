/**
 * The socket side of a simulated charger, shared by every codec's simulator: dials the gateway (a
 * charger is the TCP client), hands what arrives to the charger model, writes what the model sends,
 * and dials again after a drop when asked to. The charger models never see a socket.
 */
import net from 'node:net';
import { systemSimulatorClock, type SimulatorClock } from './clock.js';
import type { ChargerLine, DropCause, LineOutput } from './factory.js';

export type { ChargerLine, DropCause, LineOutput } from './factory.js';

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to dial from (e.g. one of 127.0.0.0/8, to spread a fleet over source addresses). */
  readonly localAddress?: string;
  /** Dial again this long after the connection drops (never after `close()`). Default: no reconnect. */
  readonly reconnectDelayMs?: number;
  /** Times the redial; default the real clock. */
  readonly clock?: SimulatorClock;
}

export interface ChargerSocket extends LineOutput {
  /** True while a TCP connection is up. */
  readonly connected: boolean;
  /** Resolves when the line stops for good: after `close()`, or a drop without reconnect. */
  readonly closed: Promise<void>;
  /** Closes the connection and stops reconnecting. */
  close(): Promise<void>;
}

/**
 * Dials `host:port` and connects `line` to it.
 * @throws (rejects) when the first connection attempt fails; `line.dropped` is not called then.
 */
export async function connectCharger(options: DialOptions, line: ChargerLine): Promise<ChargerSocket> {
  const clock = options.clock ?? systemSimulatorClock;
  const { reconnectDelayMs } = options;
  let socket: net.Socket | undefined;
  let stopped = false;
  let retry: { handle: unknown } | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const output: LineOutput = {
    write: (bytes) => {
      if (socket !== undefined && !socket.destroyed) socket.write(bytes);
    },
    drop: () => {
      if (socket === undefined) return;
      ending = true;
      socket.destroy();
    },
  };
  let finished = false;
  /** Set while this side ends the connection (`drop()`, `close()`): the drop is the charger's, not the gateway's. */
  let ending = false;
  const finish = (by: DropCause): void => {
    stopped = true;
    if (finished) return;
    finished = true;
    line.dropped(false, by);
    resolveClosed();
  };

  const attach = (s: net.Socket): void => {
    socket = s;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => line.receive(chunk));
    s.on('error', () => undefined); // a reset shows up as 'close' next, which is what matters
    s.once('close', () => {
      if (socket === s) socket = undefined;
      const by: DropCause = ending || stopped ? 'charger' : 'peer';
      ending = false;
      if (stopped || reconnectDelayMs === undefined) return finish(by);
      line.dropped(true, by);
      scheduleRedial();
    });
    line.connected(output);
  };

  const scheduleRedial = (): void => {
    retry = {
      handle: clock.setTimeout(() => {
        retry = undefined;
        if (stopped) return;
        dial(options).then(
          (s) => (stopped ? s.destroy() : attach(s)),
          () => scheduleRedial(),
        );
      }, reconnectDelayMs ?? 0),
    };
  };

  attach(await dial(options));

  return {
    get connected() {
      return socket !== undefined && !socket.destroyed;
    },
    closed,
    ...output,
    close: async () => {
      stopped = true;
      if (retry !== undefined) clock.clearTimeout(retry.handle);
      retry = undefined;
      if (socket === undefined) finish('charger');
      else socket.destroy();
      await closed;
    },
  };
}

function dial(options: DialOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: options.host, port: options.port, ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}) });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
