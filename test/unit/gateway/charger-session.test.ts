/** ChargerSession on a real TCP connection: what it does to the charger's socket. */
import { systemClock } from '../../../src/core/clock.js';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Codec } from '../../../codecs/codec.js';
import { iec104PointsCodec } from '../../../codecs/iec104-points/index.js';
import { PointTable } from '../../../codecs/iec104-points/points.js';
import { ChargerSession } from '../../../src/gateway/charger-session.js';
import { loadExampleMapping } from '../../support/iec104-points.js';

describe('ChargerSession', () => {
  it('turns Nagle off on the charger socket: a small frame is not held back waiting for an ack', async () => {
    const mapping = loadExampleMapping('example-dc-2gun');
    const calls: unknown[][] = [];
    const sessions: ChargerSession[] = [];
    const server = createServer((socket: Socket) => {
      // The real socket, watched: setNoDelay is what decides TCP_NODELAY.
      const setNoDelay = socket.setNoDelay.bind(socket);
      socket.setNoDelay = (...args: Parameters<Socket['setNoDelay']>) => {
        calls.push(args);
        return setNoDelay(...args);
      };
      const session = new ChargerSession({
        socket,
        codec: iec104PointsCodec as Codec<unknown>,
        codecOptions: { mapping, table: new PointTable(mapping) },
        clock: systemClock,
        log: () => undefined,
        createEngine: () => Promise.resolve('no engine in this test'),
      });
      sessions.push(session);
      session.start();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    // STARTDT act is the session's first frame.
    const first = await new Promise<Buffer>((resolve) => client.once('data', resolve));
    expect(first.subarray(0, 3)).toEqual(Buffer.from([0x68, 0x04, 0x07]));
    expect(calls).toEqual([[true]]);
    for (const s of sessions) s.close('test over');
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
