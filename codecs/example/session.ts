/**
 * One connection of a charger speaking the template protocol: frames in, canonical events and the
 * protocol's own answers out (login answer, heartbeat answer), commands encoded back. Everything a
 * real codec session owes its host is here in small: the login asks the host whether it serves
 * this charger (`admit`), a silent charger is declared down after `heartbeatTimeoutMs`, a command's
 * fate arrives as a `commandResult` once the charger answered (or its wait ran out), and what the
 * protocol cannot do is `notSupported`.
 */
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { CodecSession, SessionContext } from '../codec.js';
import { ExampleDecodeError } from './errors.js';
import { ExampleFramer } from './framer.js';
import { decodeExampleFrame, encodeExampleFrame, type ExampleMessage } from './messages.js';
import type { ExampleOptions } from './options.js';

const PROTOCOL = { name: 'example', version: '1' } as const;
const COMMANDS: ReadonlySet<ChargerCommand['type']> = new Set(['reset']);
const MEASURANDS: Capabilities['measurands'] = new Set(['energy', 'power']);
const NO_LIMITS: Capabilities['limitUnits'] = new Set();

/** What a charger of this protocol can do: reset, report energy and power; nothing else. */
export function capabilitiesOf(connectorCount: number, currentType: 'AC' | 'DC'): Capabilities {
  return { connectorCount, currentType, commands: COMMANDS, measurands: MEASURANDS, limitUnits: NO_LIMITS, evInfo: false, localAuthorization: false, transactionRecords: false };
}

interface PendingReset {
  readonly commandId: string;
  readonly timer: unknown;
}

export class ExampleSession implements CodecSession {
  private readonly framer = new ExampleFramer();
  private chargerId: string | undefined;
  private watchdog: unknown;
  private nextSequence = 0;
  private readonly pending = new Map<number, PendingReset>();
  private stopped = false;

  constructor(private readonly ctx: SessionContext<ExampleOptions>) {}

  /** Refined by the login (connector count, AC or DC). */
  capabilities: Capabilities = capabilitiesOf(1, 'AC');

  start(): void {
    // The charger speaks first (its login); the watchdog bounds how long it may stay silent.
    this.arm();
  }

  receive(chunk: Uint8Array): void {
    if (this.stopped) return;
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'error') {
        this.ctx.sink.error(item.error);
        continue;
      }
      this.ctx.sink.frameReceived?.();
      this.arm();
      const decoded = decodeExampleFrame(item.frame);
      if (!decoded.ok) {
        if (decoded.error.code === 'EXAMPLE_TYPE') this.ctx.sink.ignored?.('unknown_type');
        else this.ctx.sink.error(decoded.error.shifted(item.offset));
        continue;
      }
      this.onMessage(decoded.value, item.offset);
      if (this.stopped) return;
    }
  }

  command(command: ChargerCommand): CommandOutcome {
    if (command.type !== 'reset') return { status: 'notSupported', reason: `the example protocol has no ${command.type} message` };
    if (this.chargerId === undefined || this.stopped) return { status: 'rejected', reason: 'the charger has not logged in' };
    const sequence = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) & 0xff;
    // A sequence number still waiting (256 resets in flight) would make two answers ambiguous.
    if (this.pending.has(sequence)) return { status: 'rejected', reason: 'too many resets waiting for the charger' };
    const timer = this.ctx.clock.setTimeout(() => this.settle(sequence, 'timeout', 'the charger did not answer'), this.ctx.options.commandTimeoutMs);
    this.pending.set(sequence, { commandId: command.id, timer });
    this.send({ type: 'reset', sequence, hard: command.kind === 'hard' });
    return { status: 'sent' };
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.watchdog);
    for (const sequence of [...this.pending.keys()]) this.settle(sequence, 'failed', `connection closed: ${reason}`);
  }

  private onMessage(m: ExampleMessage, offset: number): void {
    if (m.type === 'login') return this.login(m);
    if (this.chargerId === undefined) {
      this.ctx.sink.error(new ExampleDecodeError('EXAMPLE_BEFORE_LOGIN', `${m.type} before the login`, offset));
      return;
    }
    const at = new Date(this.ctx.clock.now()).toISOString();
    switch (m.type) {
      case 'heartbeat':
        this.send({ type: 'heartbeatAnswer' });
        return;
      case 'status': {
        if (m.connector < 1 || m.connector > this.capabilities.connectorCount) return this.ctx.sink.ignored?.('unmapped_address');
        const meaning = this.ctx.options.statusCodes.get(m.code);
        if (meaning === undefined) return this.ctx.sink.ignored?.('unmapped_value');
        this.ctx.sink.event({ type: 'connectorStatus', connector: m.connector, ...meaning, at, raw: m.code });
        return;
      }
      case 'meter':
        if (m.connector < 1 || m.connector > this.capabilities.connectorCount) return this.ctx.sink.ignored?.('unmapped_address');
        this.ctx.sink.event({
          type: 'measurements',
          connector: m.connector,
          at,
          values: [
            { measurand: 'energy', value: m.energyWh },
            { measurand: 'power', value: m.powerW },
          ],
        });
        return;
      case 'resetAnswer':
        if (!this.pending.has(m.sequence)) return this.ctx.sink.ignored?.('unsolicited');
        this.settle(m.sequence, m.accepted ? 'completed' : 'rejected', m.accepted ? undefined : 'the charger refused the reset');
        return;
      default:
        // Messages only the gateway sends: a charger that sends them is confused, not malicious.
        this.ctx.sink.ignored?.('unused_type');
    }
  }

  private login(m: Extract<ExampleMessage, { type: 'login' }>): void {
    if (this.chargerId !== undefined) {
      // A repeated login on the same connection is answered again; it cannot change who this is.
      this.send({ type: 'loginAnswer', accepted: m.chargerId === this.chargerId });
      return;
    }
    // This protocol carries no key: the login proves nothing beyond the id it names.
    const admitted = this.ctx.connection.admit?.(m.chargerId, { key: 'none' }) ?? true;
    this.send({ type: 'loginAnswer', accepted: admitted });
    if (!admitted) {
      this.ctx.sink.close(`login of ${m.chargerId} refused`);
      return;
    }
    this.chargerId = m.chargerId;
    this.capabilities = capabilitiesOf(m.connectors, m.currentType);
    this.ctx.sink.event({ type: 'identified', chargerId: m.chargerId, connectorCount: m.connectors, currentType: m.currentType, protocol: PROTOCOL });
    this.ctx.sink.event({ type: 'link', state: 'up' });
  }

  private settle(sequence: number, status: 'completed' | 'rejected' | 'timeout' | 'failed', reason?: string): void {
    const p = this.pending.get(sequence);
    if (p === undefined) return;
    this.pending.delete(sequence);
    this.ctx.clock.clearTimeout(p.timer);
    this.ctx.sink.event({ type: 'commandResult', commandId: p.commandId, status, ...(reason !== undefined ? { reason } : {}) });
  }

  private arm(): void {
    this.ctx.clock.clearTimeout(this.watchdog);
    this.watchdog = this.ctx.clock.setTimeout(() => this.silent(), this.ctx.options.heartbeatTimeoutMs);
  }

  private silent(): void {
    if (this.stopped) return;
    if (this.chargerId !== undefined) this.ctx.sink.event({ type: 'link', state: 'down', reason: 'heartbeat timeout' });
    this.ctx.sink.close('heartbeat timeout');
  }

  private send(m: ExampleMessage): void {
    this.ctx.sink.send(encodeExampleFrame(m));
  }
}
