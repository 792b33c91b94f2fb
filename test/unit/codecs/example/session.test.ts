/**
 * The template codec's session over bytes, with a fake clock: what it tells its host (events, answers,
 * errors, ignored input, closing) for each thing a charger does, and what becomes of a command.
 */
import { describe, expect, it } from 'vitest';
import type { CodecError, IgnoredReason, SessionSink } from '../../../../codecs/codec.js';
import { codec as exampleCodec } from '../../../../codecs/example/codec.js';
import { decodeExampleFrame, encodeExampleFrame, type ExampleMessage } from '../../../../codecs/example/messages.js';
import type { ExampleOptions } from '../../../../codecs/example/options.js';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { FakeClock } from '../../../support/fake-clock.js';

interface Host {
  readonly events: ChargerEvent[];
  readonly sent: ExampleMessage[];
  readonly errors: CodecError[];
  readonly ignored: IgnoredReason[];
  readonly closed: string[];
}

async function session(admit?: (id: string) => boolean) {
  const options = await exampleCodec.loadOptions({});
  const clock = new FakeClock(Date.parse('2026-12-07T08:00:00Z'));
  const host: Host = { events: [], sent: [], errors: [], ignored: [], closed: [] };
  const sink: SessionSink = {
    event: (e) => host.events.push(e),
    send: (bytes) => {
      const r = decodeExampleFrame(bytes);
      if (!r.ok) throw new Error(`the session sent a frame it cannot decode: ${r.error.message}`);
      host.sent.push(r.value);
    },
    error: (e) => host.errors.push(e),
    ignored: (reason) => host.ignored.push(reason),
    close: (reason) => host.closed.push(reason),
    log: () => undefined,
  };
  const s = exampleCodec.createSession({ options, clock, sink, connection: admit !== undefined ? { admit: (id) => admit(id) } : {} });
  s.start();
  const send = (m: ExampleMessage): void => s.receive(encodeExampleFrame(m));
  return { s, host, clock, send, options };
}

const LOGIN: ExampleMessage = { type: 'login', chargerId: 'EX-0001', connectors: 2, currentType: 'AC' };

describe('the template codec session', () => {
  it('identifies the charger at its login and refines its capabilities', async () => {
    const { s, host, send } = await session();
    send(LOGIN);
    expect(host.sent).toEqual([{ type: 'loginAnswer', accepted: true }]);
    expect(host.events).toEqual([
      { type: 'identified', chargerId: 'EX-0001', connectorCount: 2, currentType: 'AC', protocol: { name: 'example', version: '1' } },
      { type: 'link', state: 'up' },
    ]);
    expect(s.capabilities.connectorCount).toBe(2);
  });

  it('answers a refused login, closes, and reports nothing of the charger', async () => {
    const { host, send } = await session(() => false);
    send(LOGIN);
    expect(host.sent).toEqual([{ type: 'loginAnswer', accepted: false }]);
    expect(host.closed).toHaveLength(1);
    expect(host.events).toEqual([]);
  });

  it('counts a message before the login as bad input', async () => {
    const { host, send } = await session();
    send({ type: 'status', connector: 1, code: 0 });
    expect(host.errors.map((e) => e.code)).toEqual(['EXAMPLE_BEFORE_LOGIN']);
    expect(host.events).toEqual([]);
  });

  it('maps status codes through its options, and ignores codes and connectors it has no meaning for', async () => {
    const { host, send } = await session();
    send(LOGIN);
    send({ type: 'status', connector: 2, code: 4 });
    send({ type: 'status', connector: 1, code: 200 });
    send({ type: 'status', connector: 3, code: 0 });
    expect(host.events.slice(2)).toEqual([{ type: 'connectorStatus', connector: 2, status: 'faulted', plugged: false, chargingState: 'idle', at: '2026-12-07T08:00:00.000Z', raw: 4 }]);
    expect(host.ignored).toEqual(['unmapped_value', 'unmapped_address']);
  });

  it('reports energy and power in canonical units', async () => {
    const { host, send } = await session();
    send(LOGIN);
    send({ type: 'meter', connector: 1, energyWh: 5000, powerW: 11000 });
    expect(host.events[2]).toEqual({
      type: 'measurements',
      connector: 1,
      at: '2026-12-07T08:00:00.000Z',
      values: [
        { measurand: 'energy', value: 5000 },
        { measurand: 'power', value: 11000 },
      ],
    });
  });

  it('settles a reset by the charger answer, a timeout, or the connection closing', async () => {
    const { s, host, clock, send, options } = await session();
    send(LOGIN);
    expect(s.command({ id: 'c1', type: 'reset', kind: 'soft' })).toEqual({ status: 'sent' });
    expect(host.sent[1]).toEqual({ type: 'reset', sequence: 0, hard: false });
    send({ type: 'resetAnswer', sequence: 0, accepted: true });
    expect(host.events.at(-1)).toEqual({ type: 'commandResult', commandId: 'c1', status: 'completed' });

    s.command({ id: 'c2', type: 'reset', kind: 'hard' });
    clock.advance(options.commandTimeoutMs);
    expect(host.events.at(-1)).toEqual({ type: 'commandResult', commandId: 'c2', status: 'timeout', reason: 'the charger did not answer' });
    send({ type: 'resetAnswer', sequence: 1, accepted: true });
    expect(host.ignored).toEqual(['unsolicited']);

    s.command({ id: 'c3', type: 'reset', kind: 'hard' });
    s.stop('socket closed');
    expect(host.events.at(-1)).toMatchObject({ type: 'commandResult', commandId: 'c3', status: 'failed' });
  });

  it('says what it cannot do instead of pretending', async () => {
    const { s, send } = await session();
    expect(s.command({ id: 'c0', type: 'reset', kind: 'soft' })).toMatchObject({ status: 'rejected' });
    send(LOGIN);
    expect(s.command({ id: 'c1', type: 'unlock', connector: 1 })).toMatchObject({ status: 'notSupported' });
  });

  it('declares a silent charger down and closes', async () => {
    const { host, clock, send, options } = await session();
    send(LOGIN);
    clock.advance(options.heartbeatTimeoutMs - 1);
    send({ type: 'heartbeat' });
    expect(host.sent.at(-1)).toEqual({ type: 'heartbeatAnswer' });
    clock.advance(options.heartbeatTimeoutMs - 1);
    expect(host.closed).toEqual([]);
    clock.advance(1);
    expect(host.events.at(-1)).toEqual({ type: 'link', state: 'down', reason: 'heartbeat timeout' });
    expect(host.closed).toEqual(['heartbeat timeout']);
  });

  it('loads options with file, line and pointer in its errors', async () => {
    await expect(exampleCodec.loadOptions({ value: { statusCodes: { 1: { status: 'busy', plugged: true, chargingState: 'idle' } } } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const options: ExampleOptions = await exampleCodec.loadOptions({ value: { statusCodes: {} } });
    expect(options.heartbeatTimeoutMs).toBe(90_000);
  });
});
