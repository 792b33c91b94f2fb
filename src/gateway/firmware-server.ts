/**
 * The gateway's FTP server of firmware images (the station's `FirmwareServer` port): a charger
 * whose protocol fetches its update over FTP (YKC 0x94) is given the address of an image the
 * station has verified, published here under credentials made for it alone.
 *
 * Per published image: a random user (12 characters) and password (16), and a random path
 * (`/fw/<16 hex digits>` plus the image's extension, at most 29 characters), sizes that fit the
 * fields of YKC 0x94. A user sees its image and nothing else: logging in opens a read-only view of
 * that one file (LIST, SIZE, RETR); writes, other paths and other users' images are refused, and a
 * released image is gone for its user at once (its credentials no longer log in, the sessions
 * logged in with them are closed). A connection that has not logged in within `loginTimeoutMs`
 * (30 s) is closed, and connections not logged in are few: 8 per address, 256 in all (more are
 * closed at once), so strangers hold no sockets. The credentials are never logged. Images of the same
 * content (a fleet updated at once) share their bytes in memory.
 *
 * ftp-srv registers SIGINT/SIGTERM/SIGQUIT handlers that exit the process; the gateway has its own
 * graceful shutdown, so those handlers are taken off again as soon as the server is built.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import type { Logger } from 'pino';
import type { Log } from '../core/log.js';
import { pinoLog } from './pino-log.js';
import type { FirmwareServer, PublishedImage } from '../station/firmware/ports.js';
import type { FirmwareServerConfig } from './firmware-config.js';
import { AddressLimit } from './address-limit.js';
import { LineBudget } from './log-budget.js';

/** Stable codes of what `publish` refuses. */
export type FirmwareServerErrorCode = 'FIRMWARE_SERVER_STOPPED' | 'FIRMWARE_IMAGE_EMPTY';

class FirmwareServerError extends Error {
  override readonly name = 'FirmwareServerError';
  constructor(
    readonly code: FirmwareServerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Image {
  readonly stationId: string;
  readonly user: string;
  /** SHA-256 of the password: compared in constant time, the password itself not kept. */
  readonly passwordHash: Buffer;
  readonly path: string;
  readonly data: Buffer;
  /** SHA-256 of `data` (hex): the key of the bytes shared by every image with the same content. */
  readonly digest: string;
  readonly published: Date;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Chunks a download is written in. */
const CHUNK = 64 * 1024;
/** Commands a charger needs to fetch one file; the others (STOR, DELE, MKD, SITE...) are refused. */
const COMMANDS = [
  'USER',
  'PASS',
  'SYST',
  'FEAT',
  'OPTS',
  'TYPE',
  'MODE',
  'STRU',
  'PWD',
  'XPWD',
  'CWD',
  'CDUP',
  'PASV',
  'EPSV',
  'PORT',
  'EPRT',
  'SIZE',
  'MDTM',
  'REST',
  'RETR',
  'LIST',
  'NLST',
  'STAT',
  'NOOP',
  'QUIT',
  'ABOR',
];
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;

function randomText(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** ftp-srv logs through a bunyan-like logger; its lines (client addresses, paths) are not the gateway's. */
interface QuietLog {
  child(): QuietLog;
  trace(): void;
  debug(): void;
  info(): void;
  warn(): void;
  error(): void;
  fatal(): void;
}
const quiet: QuietLog = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/** What `fs.stat` gives, as far as ftp-srv's listings read it. */
function stat(name: string, directory: boolean, size: number, mtime: Date): Record<string, unknown> {
  return { name, size, mtime, mode: directory ? 0o40555 : 0o100444, uid: 0, gid: 0, isDirectory: () => directory };
}

/** One logged-in user's view: the directories leading to its image, and the image. */
class ImageView extends FileSystem {
  constructor(
    connection: FtpConnection,
    private readonly image: Image,
    private readonly live: () => boolean,
  ) {
    super(connection, { root: '/', cwd: '/' });
  }

  private where = '/';

  private resolve(path = '.'): string {
    return posix.resolve(this.where, path);
  }

  private check(): void {
    if (!this.live()) throw Object.assign(new Error('No such file'), { code: 550 });
  }

  private isDir(p: string): boolean {
    return p === '/' || this.image.path.startsWith(`${p}/`);
  }

  override currentDirectory(): string {
    return this.where;
  }

  override get(fileName: string): Promise<unknown> {
    this.check();
    const p = this.resolve(fileName);
    if (p === this.image.path) return Promise.resolve(stat(posix.basename(p), false, this.image.data.length, this.image.published));
    if (this.isDir(p)) return Promise.resolve(stat(posix.basename(p) || '/', true, 0, this.image.published));
    return Promise.reject(Object.assign(new Error('No such file'), { code: 550 }));
  }

  override list(path = '.'): Promise<unknown> {
    this.check();
    const p = this.resolve(path);
    if (p === this.image.path) return Promise.resolve([stat(posix.basename(p), false, this.image.data.length, this.image.published)]);
    if (!this.isDir(p)) return Promise.reject(Object.assign(new Error('No such directory'), { code: 550 }));
    const rest = this.image.path.slice(p === '/' ? 1 : p.length + 1);
    const [first = '', ...deeper] = rest.split('/');
    return Promise.resolve([stat(first, deeper.length > 0, deeper.length > 0 ? 0 : this.image.data.length, this.image.published)]);
  }

  override chdir(path = '.'): Promise<string> {
    this.check();
    const p = this.resolve(path);
    if (!this.isDir(p)) return Promise.reject(Object.assign(new Error('Not a valid directory'), { code: 550 }));
    this.where = p;
    return Promise.resolve(p);
  }

  override read(fileName: string, { start }: { start?: unknown } = {}): Promise<unknown> {
    this.check();
    const p = this.resolve(fileName);
    if (p !== this.image.path) return Promise.reject(Object.assign(new Error('No such file'), { code: 550 }));
    const from = typeof start === 'number' && start > 0 ? start : 0;
    const data = this.image.data.subarray(from);
    const stream = Readable.from(
      (function* chunks() {
        for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, i + CHUNK);
      })(),
    );
    // ftp-srv resumes it once the 150 reply is out.
    stream.pause();
    return Promise.resolve({ stream, clientPath: p });
  }

  override write(): never {
    throw Object.assign(new Error('Read-only'), { code: 550 });
  }

  override delete(): Promise<never> {
    return Promise.reject(Object.assign(new Error('Read-only'), { code: 550 }));
  }

  override mkdir(): Promise<never> {
    return this.delete();
  }

  override rename(): Promise<never> {
    return this.delete();
  }

  override chmod(): Promise<never> {
    return this.delete();
  }
}

export interface FirmwareServerOptions {
  /** A connection must log in within this long (default 30 s): an idle stranger holds no socket. */
  readonly loginTimeoutMs?: number;
  /** Connections one address may hold before logging in (default 8); more are closed at once. */
  readonly maxPendingPerAddress?: number;
  /** Connections not logged in, all addresses together (default 256); more are closed at once. */
  readonly maxPending?: number;
}

const DEFAULT_LOGIN_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PENDING_PER_ADDRESS = 8;
const DEFAULT_MAX_PENDING = 256;
/** 'login refused' lines logged per minute. */
const REFUSED_LINES_PER_MINUTE = 10;

/** ftp-srv's Connection as used here (its typings give `close` a numeric message). */
interface Closable {
  readonly id: string;
  close(code: number, message: string): Promise<unknown>;
}

export class GatewayFirmwareServer implements FirmwareServer {
  private readonly images = new Map<string, Image>();
  /** Image bytes by SHA-256, with the number of published images using them. */
  private readonly contents = new Map<string, { readonly data: Buffer; images: number }>();
  /** Logged-in FTP sessions per user: closed when that user's image is taken down. */
  private readonly sessions = new Map<string, Set<Closable>>();
  /** Connections not logged in yet, with the timer that closes them and their address. */
  private readonly strangers = new Map<string, { readonly timer: ReturnType<typeof setTimeout>; readonly address: string }>();
  /** Connections not logged in yet, per address: anyone reaching the port could otherwise hold every socket. */
  private readonly pendingPerAddress: AddressLimit;
  private readonly refusedLines = new LineBudget(REFUSED_LINES_PER_MINUTE, 60_000, () => Date.now());
  private ftp: FtpSrv | undefined;
  private listenPort = 0;

  constructor(
    private readonly config: FirmwareServerConfig,
    private readonly log: Log,
    private readonly options: FirmwareServerOptions = {},
  ) {
    this.pendingPerAddress = new AddressLimit(options.maxPendingPerAddress ?? DEFAULT_MAX_PENDING_PER_ADDRESS);
  }

  /** Bytes of image content held now (images with the same content share theirs). */
  get bytesHeld(): number {
    let n = 0;
    for (const c of this.contents.values()) n += c.data.length;
    return n;
  }

  /** The control port it listens on (once started). */
  get port(): number {
    return this.listenPort;
  }

  /** Listens; rejects when the port cannot be bound. */
  async start(): Promise<void> {
    const c = this.config;
    const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
    const ftp = new FtpSrv({
      url: `ftp://${c.host}:${c.port}`,
      pasv_url: c.publicHost,
      pasv_min: c.passivePortMin,
      pasv_max: c.passivePortMax,
      anonymous: false,
      whitelist: COMMANDS,
      greeting: 'pilegate firmware',
      log: quiet,
    });
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (before.get(s)?.has(l) !== true) process.off(s, l);
    (ftp as unknown as { on(event: 'connect', l: (d: { connection: Closable & { readonly ip: string | null | undefined } }) => void): void }).on('connect', ({ connection }) => {
      const address = connection.ip ?? '';
      if (this.strangers.size >= (this.options.maxPending ?? DEFAULT_MAX_PENDING) || !this.pendingPerAddress.acquire(address)) {
        void connection.close(421, 'Too many connections').catch(() => undefined);
        return;
      }
      const timer = setTimeout(() => {
        this.welcomed(connection.id);
        void connection.close(421, 'Login timed out').catch(() => undefined);
      }, this.options.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS);
      timer.unref();
      this.strangers.set(connection.id, { timer, address });
    });
    ftp.on('disconnect', ({ connection, id }) => {
      this.welcomed(id);
      for (const set of this.sessions.values()) set.delete(connection as unknown as Closable);
    });
    ftp.on('login', ({ connection, username, password }, resolve, reject) => {
      const image = this.images.get(username);
      if (image === undefined || !timingSafeEqual(image.passwordHash, sha256(password))) {
        // Anyone who reaches the port can try: the log gets a budget of lines, the rest is counted.
        const line = this.refusedLines.spend();
        if (line.droppedBefore > 0) this.log('warn', 'firmware ftp: refused logins not logged', { notLogged: line.droppedBefore, windowMs: this.refusedLines.windowMs });
        if (line.log) this.log('warn', 'firmware ftp: login refused', { address: connection.ip });
        reject(new Error('Authentication failed'));
        return;
      }
      this.welcomed(connection.id);
      const open = this.sessions.get(username) ?? new Set<Closable>();
      open.add(connection as unknown as Closable);
      this.sessions.set(username, open);
      connection.on('RETR', (error: unknown) => {
        if (error === null || error === undefined) this.log('info', 'firmware image fetched', { stationId: image.stationId, path: image.path, bytes: image.data.length, address: connection.ip });
      });
      resolve({ fs: new ImageView(connection, image, () => this.images.get(username) === image) });
    });
    ftp.on('client-error', ({ context, error }) => this.log('debug', 'firmware ftp: client error', { context, error: error.message }));
    await ftp.listen();
    this.ftp = ftp;
    this.listenPort = ((ftp as unknown as { server: Server }).server.address() as AddressInfo).port;
    this.log('info', 'firmware ftp server listening', { host: c.host, port: this.listenPort, publicHost: c.publicHost, publicPort: c.publicPort ?? this.listenPort });
  }

  /** Publishes `image` for `stationId` under fresh credentials. `name` gives the path its extension. */
  publish(stationId: string, image: Buffer, name: string): Promise<PublishedImage> {
    if (this.ftp === undefined) return Promise.reject(new FirmwareServerError('FIRMWARE_SERVER_STOPPED', 'the firmware FTP server is not running'));
    if (image.length === 0) return Promise.reject(new FirmwareServerError('FIRMWARE_IMAGE_EMPTY', 'an empty firmware image is not published'));
    let user = `fw${randomText(10).toLowerCase()}`;
    while (this.images.has(user)) user = `fw${randomText(10).toLowerCase()}`;
    const password = randomText(16);
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1];
    const path = `/fw/${randomBytes(8).toString('hex')}${ext !== undefined ? `.${ext}` : ''}`;
    const digest = createHash('sha256').update(image).digest('hex');
    // A fleet updated at once publishes one image per station: the bytes are held once.
    const content = this.contents.get(digest) ?? { data: Buffer.from(image), images: 0 };
    content.images += 1;
    this.contents.set(digest, content);
    const entry: Image = { stationId, user, passwordHash: sha256(password), path, data: content.data, digest, published: new Date() };
    this.images.set(user, entry);
    this.log('info', 'firmware image published', { stationId, path, bytes: image.length });
    const c = this.config;
    return Promise.resolve({
      source: { protocol: 'ftp', host: c.publicHost, port: c.publicPort ?? this.listenPort, user, password, path },
      release: () => {
        if (this.images.get(user) === entry) this.takeDown(user, entry);
      },
    });
  }

  /** Takes down every image published for `stationId` (the update it was for is over). */
  withdraw(stationId: string): void {
    for (const [user, image] of [...this.images]) if (image.stationId === stationId) this.takeDown(user, image);
  }

  /** Connection `id` logged in or went: it is a stranger no more (its login timer and its address's count). */
  private welcomed(id: string): void {
    const s = this.strangers.get(id);
    if (s === undefined) return;
    clearTimeout(s.timer);
    this.strangers.delete(id);
    this.pendingPerAddress.release(s.address);
  }

  /** The image is gone, and so are the sessions logged in for it. */
  private takeDown(user: string, image: Image): void {
    this.images.delete(user);
    const content = this.contents.get(image.digest);
    if (content !== undefined && --content.images <= 0) this.contents.delete(image.digest);
    for (const c of this.sessions.get(user) ?? []) void c.close(421, 'Image withdrawn').catch(() => undefined);
    this.sessions.delete(user);
    this.log('info', 'firmware image released', { stationId: image.stationId, path: image.path });
  }

  /** Stops listening, closes every FTP session and forgets every image. */
  async stop(): Promise<void> {
    const ftp = this.ftp;
    this.ftp = undefined;
    this.images.clear();
    this.contents.clear();
    this.sessions.clear();
    for (const id of [...this.strangers.keys()]) this.welcomed(id);
    if (ftp !== undefined) await ftp.close();
  }
}

/** The gateway's firmware server as configured, logging through `log`, started. */
export async function startFirmwareServer(config: FirmwareServerConfig, log: Logger): Promise<GatewayFirmwareServer> {
  const server = new GatewayFirmwareServer(
    config,
    pinoLog(() => log),
  );
  await server.start();
  return server;
}
