/**
 * The gateway's firmware FTP server against a real FTP client (basic-ftp) over real TCP: a
 * published image is fetched with its own credentials; wrong credentials, other paths, writes and
 * other images are refused; a released image is gone; nothing secret is logged.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayFirmwareServer, type FirmwareServerOptions } from '../../src/gateway/firmware-server.js';
import { until, type LogLine } from '../support/station.js';
import { ftpClient, ftpDownload, ftpFetch } from '../support/ftp-fetch.js';

const servers: GatewayFirmwareServer[] = [];
const sockets: Socket[] = [];

async function server(publicPort?: number, loginTimeoutMs?: number, more: FirmwareServerOptions = {}): Promise<{ fw: GatewayFirmwareServer; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const fw = new GatewayFirmwareServer(
    { host: '127.0.0.1', port: 0, publicHost: '127.0.0.1', passivePortMin: 0, passivePortMax: 0, ...(publicPort !== undefined ? { publicPort } : {}) },
    (level, message, data) => logs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
    { ...(loginTimeoutMs !== undefined ? { loginTimeoutMs } : {}), ...more },
  );
  await fw.start();
  servers.push(fw);
  return { fw, logs };
}

/** A raw FTP control connection: `login` sends USER/PASS and waits for 230; `closed` resolves when the server closes it. */
async function rawSession(port: number): Promise<{ login(user: string, password: string): Promise<void>; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    async login(user, password) {
      socket.write(`USER ${user}\r\nPASS ${password}\r\n`);
      await until(() => /^230/m.test(text), 'the 230 login reply', 5_000);
    },
    closed,
  };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('gateway firmware FTP server', () => {
  it('serves a published image to its own credentials, which fit YKC 0x94', async () => {
    const { fw, logs } = await server();
    const image = randomBytes(300_000);
    const published = await fw.publish('CS-1', image, 'pile-v2.3.bin');
    const s = published.source;
    expect(s).toMatchObject({ protocol: 'ftp', host: '127.0.0.1', port: fw.port });
    expect(s.user.length).toBeLessThanOrEqual(16);
    expect(s.password.length).toBeLessThanOrEqual(16);
    expect(s.path.length).toBeLessThanOrEqual(32);
    expect(s.path).toMatch(/^\/fw\/[0-9a-f]{16}\.bin$/);
    expect((await ftpFetch(s, s.path)).equals(image)).toBe(true);
    expect(logs).toContainEqual(expect.objectContaining({ message: 'firmware image fetched', data: expect.objectContaining({ stationId: 'CS-1', bytes: image.length }) as unknown }));
    expect(JSON.stringify(logs)).not.toContain(s.password);
  });

  it('each publication has its own user, password and path', async () => {
    const { fw } = await server();
    const a = (await fw.publish('CS-1', Buffer.from('a'), 'a.bin')).source;
    const b = (await fw.publish('CS-1', Buffer.from('b'), 'b.bin')).source;
    expect(new Set([a.user, b.user]).size).toBe(2);
    expect(new Set([a.password, b.password]).size).toBe(2);
    expect(new Set([a.path, b.path]).size).toBe(2);
  });

  it('advertises the configured public port', async () => {
    const { fw } = await server(2121);
    expect((await fw.publish('CS-1', Buffer.from('x'), 'x')).source.port).toBe(2121);
  });

  it('refuses a wrong password, an unknown user and anonymous', async () => {
    const { fw, logs } = await server();
    const s = (await fw.publish('CS-1', Buffer.from('image'), 'a.bin')).source;
    await expect(ftpClient({ ...s, password: `${s.password.slice(0, -1)}${s.password.endsWith('x') ? 'y' : 'x'}` })).rejects.toThrow(/530/);
    await expect(ftpClient({ ...s, user: 'fwnobody' })).rejects.toThrow(/530/);
    await expect(ftpClient({ ...s, user: 'anonymous', password: 'guest' })).rejects.toThrow(/530/);
    expect(logs.filter((l) => l.message === 'firmware ftp: login refused')).toHaveLength(3);
  });

  it('holds the bytes of an image published for many stations once, until the last is taken down', async () => {
    const { fw } = await server();
    const image = randomBytes(1024 * 1024);
    const published = await Promise.all(Array.from({ length: 20 }, (_, i) => fw.publish(`CS-${i}`, image, 'fleet.bin')));
    expect(fw.bytesHeld).toBe(image.length);
    const last = published[19]?.source;
    if (last === undefined) throw new Error('nothing published');
    expect((await ftpFetch(last, last.path)).equals(image)).toBe(true);
    for (const p of published.slice(0, 19)) p.release();
    expect(fw.bytesHeld).toBe(image.length);
    expect((await ftpFetch(last, last.path)).equals(image)).toBe(true);
    fw.withdraw('CS-19');
    expect(fw.bytesHeld).toBe(0);
  });

  it('logs refused logins within a budget: a password guesser cannot fill the log', async () => {
    const { fw, logs } = await server();
    for (let i = 0; i < 25; i++) await expect(ftpClient({ host: '127.0.0.1', port: fw.port, user: `fwguess${i}`, password: 'guess' })).rejects.toThrow(/530/);
    expect(logs.filter((l) => l.message === 'firmware ftp: login refused')).toHaveLength(10);
  });

  it('shows a user its image only: other paths, other images and writes are refused', async () => {
    const { fw } = await server();
    const mine = (await fw.publish('CS-1', Buffer.from('mine'), 'a.bin')).source;
    const theirs = (await fw.publish('CS-2', Buffer.from('theirs'), 'b.bin')).source;
    const client = await ftpClient(mine);
    try {
      expect((await client.list('/fw')).map((f) => f.name)).toEqual([mine.path.slice(4)]);
      expect(await client.size(mine.path)).toBe(4);
      await expect(ftpDownload(client, theirs.path)).rejects.toThrow(/55[01]/);
      await expect(ftpDownload(client, '/etc/passwd')).rejects.toThrow(/55[01]/);
      await expect(ftpDownload(client, '../../../etc/passwd')).rejects.toThrow(/55[01]/);
      await expect(client.uploadFrom(Readable.from([Buffer.from('evil')]), '/fw/evil.bin')).rejects.toThrow(/50\d/);
      await expect(client.remove(mine.path)).rejects.toThrow(/50\d/);
      await expect(client.cd('/etc')).rejects.toThrow(/55[01]/);
      expect((await ftpDownload(client, mine.path)).toString()).toBe('mine');
    } finally {
      client.close();
    }
  });

  it('a released image is gone: its credentials no longer log in, an open session is closed', async () => {
    const { fw } = await server();
    const published = await fw.publish('CS-1', Buffer.from('image'), 'a.bin');
    const s = published.source;
    const open = await ftpClient(s);
    try {
      published.release();
      // The session is closed by the server (421), whatever the client tries next.
      await expect(ftpDownload(open, s.path)).rejects.toThrow(/421|55[01]|FIN|closed/);
    } finally {
      open.close();
    }
    await expect(ftpClient(s)).rejects.toThrow(/530/);
  });

  it("withdrawing a station takes down all its images and no other station's", async () => {
    const { fw, logs } = await server();
    const a = (await fw.publish('CS-1', Buffer.from('a'), 'a.bin')).source;
    const b = (await fw.publish('CS-1', Buffer.from('b'), 'b.bin')).source;
    const other = (await fw.publish('CS-2', Buffer.from('c'), 'c.bin')).source;
    fw.withdraw('CS-1');
    await expect(ftpClient(a)).rejects.toThrow(/530/);
    await expect(ftpClient(b)).rejects.toThrow(/530/);
    expect((await ftpFetch(other, other.path)).toString()).toBe('c');
    expect(logs.filter((l) => l.message === 'firmware image released').map((l) => l.data?.['path'])).toEqual([a.path, b.path]);
  });

  it('closes the open sessions of a released or withdrawn image', async () => {
    const { fw } = await server();
    const released = await fw.publish('CS-1', Buffer.from('one'), 'a.bin');
    const withdrawn = (await fw.publish('CS-2', Buffer.from('two'), 'b.bin')).source;
    const a = await rawSession(fw.port);
    const b = await rawSession(fw.port);
    await a.login(released.source.user, released.source.password);
    await b.login(withdrawn.user, withdrawn.password);
    released.release();
    fw.withdraw('CS-2');
    await a.closed;
    await b.closed;
  });

  it('closes a connection that does not log in within the login time', async () => {
    const { fw } = await server(undefined, 300);
    const idle = await rawSession(fw.port);
    const started = Date.now();
    await idle.closed;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('closes at once a connection beyond the few an address may hold before logging in; a charger logs in when one goes', async () => {
    const { fw } = await server(undefined, undefined, { maxPendingPerAddress: 2 });
    const published = await fw.publish('CS-1', randomBytes(1000), 'fw.bin');
    const first = await rawSession(fw.port);
    await rawSession(fw.port);
    const third = await rawSession(fw.port);
    const started = Date.now();
    await third.closed;
    expect(Date.now() - started).toBeLessThan(5_000);
    await first.login(published.source.user, published.source.password);
    const fourth = await rawSession(fw.port);
    await fourth.login(published.source.user, published.source.password);
  });

  it('holds at most a total number of connections not logged in, whatever their addresses', async () => {
    const { fw } = await server(undefined, undefined, { maxPending: 1 });
    await rawSession(fw.port);
    const second = await rawSession(fw.port);
    await second.closed;
  });

  it('refuses to publish once stopped, with a stable code', async () => {
    const { fw } = await server();
    await fw.stop();
    await expect(fw.publish('CS-1', Buffer.from('x'), 'x')).rejects.toMatchObject({ code: 'FIRMWARE_SERVER_STOPPED' });
  });

  it('takes ftp-srv signal handlers off: the gateway keeps its own shutdown', async () => {
    const before = process.listenerCount('SIGTERM');
    await server();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
