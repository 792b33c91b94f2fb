/**
 * Capture formats end to end: a simulated IEC 104 charger runs a session through the gateway with
 * `capture.format` jsonl, pcap and pcapng; `pilegate replay <file>` (the real binary) plays each
 * back with no flags at all, from the capture's header; tshark reads the gateway's pcap and pcapng
 * and sees the same bytes in each direction; a pcap written by an independent writer (text2pcap,
 * from Wireshark) is replayed into the same frames.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayFrame, ReplayResult } from '../../src/cli/replay.js';
import type { CaptureFormat } from '../../src/gateway/capture-store.js';
import { runCliProcess } from '../support/cli.js';
import { EXAMPLE_MAPPING, startGatewayHarness, until, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let dir: string | undefined;

afterEach(async () => {
  await h?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

interface StreamResult extends ReplayResult {
  readonly index: number;
  readonly charger: { address: string; port: number };
  readonly gateway: { address: string; port: number };
  readonly sidesBy: string;
}

/** A charger session through a gateway capturing in `format`; the capture file once it holds the session. */
async function capturedSession(format: CaptureFormat, limits = '', before?: (captureDir: string) => void): Promise<{ file: string; port: number }> {
  dir = mkdtempSync(join(tmpdir(), `pilegate-capture-${format}-`));
  const captureDir = join(dir, 'captures');
  before?.(captureDir);
  h = await startGatewayHarness([`capture: { dir: ${JSON.stringify(captureDir)}, format: ${format}${limits} }`]);
  const harness = h;
  const sim = await harness.charger(42);
  await harness.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'BootNotification', 10_000);
  for (const evseId of [1, 2]) await harness.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'StatusNotification' && c.params['evseId'] === evseId, 10_000);
  await sim.close();
  await until(() => harness.lines().some((l) => l['msg'] === 'charger running -> closed'), 'the connection to close');
  const name = `.${format}`;
  let file = '';
  await until(
    () => {
      const names = readdirSync(captureDir).filter((n) => n.endsWith(name) && n.startsWith('EXDC42-') && !n.includes('-part'));
      file = names.length === 1 ? join(captureDir, names[0] ?? '') : '';
      return file !== '' && readFileSync(file).length > 600;
    },
    'the capture file',
    10_000,
  );
  // Written to the end (the FINs of a packet capture are its last bytes).
  await new Promise((r) => setTimeout(r, 200));
  return { file, port: harness.port };
}

/** Each direction's bytes, concatenated, as hex. */
function bytesByDirection(frames: readonly { dir: string; hex: string }[]): { in: string; out: string } {
  return {
    in: frames
      .filter((f) => f.dir === 'in')
      .map((f) => f.hex)
      .join(''),
    out: frames
      .filter((f) => f.dir === 'out')
      .map((f) => f.hex)
      .join(''),
  };
}

function expectSessionEvents(frames: readonly ReplayFrame[]): void {
  expect(frames.filter((f) => f.error !== undefined)).toEqual([]);
  const events = frames.flatMap((f) => f.events ?? []);
  expect(events.find((e) => e.type === 'identified')).toMatchObject({ chargerId: 'EXDC42', vendor: 'Example', model: 'EX-DC120-2' });
  expect(new Set(events.filter((e) => e.type === 'connectorStatus').map((e) => (e as { connector: number }).connector))).toEqual(new Set([1, 2]));
}

describe('capture formats and pilegate replay without flags', () => {
  it('jsonl: the header names codec, mapping and zone, so replay needs no flag', async () => {
    const { file } = await capturedSession('jsonl');
    const r = await runCliProcess(['replay', file, '--json'], 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as ReplayResult & { header: Record<string, unknown> };
    expect(result.header).toMatchObject({ codec: 'iec104-points', mapping: { path: EXAMPLE_MAPPING }, timeZone: 'Asia/Shanghai' });
    expectSessionEvents(result.frames);
    expect(result.end).toContainEqual({ type: 'link', state: 'down', reason: 'end of capture' });
  });

  it('rotates a real session by maxFileBytes (each part with its header) and removes files older than maxAgeHours', async () => {
    let captureDir = '';
    const { file } = await capturedSession('jsonl', ', maxFileBytes: 1024, maxAgeHours: 24', (d) => {
      captureDir = d;
      mkdirSync(d, { recursive: true });
      const old = join(d, 'EXDC7-20200101T000000.000Z.jsonl');
      writeFileSync(old, '{}\n');
      const twoDaysAgo = (Date.now() - 48 * 3_600_000) / 1000;
      utimesSync(old, twoDaysAgo, twoDaysAgo);
    });
    const names = readdirSync(captureDir).sort();
    expect(names).not.toContain('EXDC7-20200101T000000.000Z.jsonl');
    const parts = names.filter((n) => n.includes('-part'));
    expect(parts.length).toBeGreaterThan(0);
    for (const n of [file, ...parts.map((p) => join(captureDir, p))]) {
      expect(JSON.parse(readFileSync(n, 'utf8').split('\n')[0] ?? '')).toMatchObject({ pilegate: 'capture', codec: 'iec104-points', chargerId: 'EXDC42' });
    }
    const r = await runCliProcess(['replay', file, '--json'], 30_000);
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout) as ReplayResult;
    expect(first.frames.flatMap((f) => f.events ?? []).find((e) => e.type === 'identified')).toMatchObject({ chargerId: 'EXDC42' });
  });

  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: tshark reads the gateway's capture as one TCP stream with the same bytes, and replay plays it with no flag`, async () => {
      const { file, port } = await capturedSession(format);
      if (format === 'pcap') expect(JSON.parse(readFileSync(`${file}.json`, 'utf8'))).toMatchObject({ pilegate: 'capture', codec: 'iec104-points', listenerPort: port });
      const r = await runCliProcess(['replay', file, '--json'], 30_000);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout) as { header: Record<string, unknown>; streams: StreamResult[] };
      expect(result.header).toMatchObject({ codec: 'iec104-points', chargerId: 'EXDC42', listenerPort: port });
      expect(result.streams).toHaveLength(1);
      const stream = result.streams[0] as StreamResult;
      expect(stream.gateway.port).toBe(port);
      expect(stream.charger.port).not.toBe(port);
      expect(stream.frames[0]).toMatchObject({ dir: 'out', hex: '680407000000' });
      expectSessionEvents(stream.frames);

      // tshark: no malformed packet, one stream with handshake and FINs, the same bytes both ways.
      const text = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.flags', '-e', 'tcp.payload', '-e', '_ws.expert.message'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const rows = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t'));
      expect(new Set(rows.map((c) => c[0]))).toEqual(new Set(['0']));
      expect(rows[0]?.[2]).toBe('0x0002');
      expect(rows.filter((c) => (c[2] ?? '').endsWith('11'))).toHaveLength(2);
      expect(rows.filter((c) => /malformed|out-of-order|retransmission|previous segment/i.test(c[4] ?? ''))).toEqual([]);
      const seen = { in: '', out: '' };
      for (const c of rows) if ((c[3] ?? '') !== '') seen[c[1] === String(port) ? 'out' : 'in'] += c[3];
      expect(seen).toEqual(bytesByDirection(stream.frames));
    });
  }
});

describe('pilegate replay of a pcap from another writer', () => {
  const charger = ['68040b000000', '680e0000020064010600010000000014', '680443000000'];

  /** text2pcap input: `I` from the charger, `O` from the gateway, each frame an offset-0 hex line. */
  function textDump(frames: readonly { dir: 'I' | 'O'; hex: string }[]): string {
    return frames.map((f) => `${f.dir} 0000 ${(f.hex.match(/../g) ?? []).join(' ')}\n`).join('');
  }

  for (const variant of [
    { name: 'IPv4 pcap', args: ['-4', '10.1.1.2,10.1.1.1'], out: 'x.pcap' },
    { name: 'IPv6 pcapng', args: ['-6', 'fd00::2,fd00::1', '-n'], out: 'x.pcapng' },
  ]) {
    it(`replays text2pcap's ${variant.name} (port 2404) into the frames it holds, in both directions`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'pilegate-text2pcap-'));
      const frames = [
        { dir: 'O' as const, hex: '680407000000' },
        { dir: 'I' as const, hex: charger[0] ?? '' },
        { dir: 'I' as const, hex: charger[1] ?? '' },
        { dir: 'O' as const, hex: '680483000000' },
        { dir: 'I' as const, hex: charger[2] ?? '' },
      ];
      writeFileSync(join(dir, 'in.txt'), textDump(frames));
      const out = join(dir, variant.out);
      execFileSync('text2pcap', ['-D', ...variant.args, '-T', '40001,2404', join(dir, 'in.txt'), out], { stdio: 'ignore' });
      expect(existsSync(out)).toBe(true);
      const r = await runCliProcess(['replay', out, '--json', '--mapping', EXAMPLE_MAPPING], 30_000);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout) as { streams: StreamResult[] };
      expect(result.streams).toHaveLength(1);
      const stream = result.streams[0] as StreamResult;
      expect(stream.charger.port).toBe(40001);
      expect(stream.gateway.port).toBe(2404);
      expect(stream.frames.map((f) => ({ dir: f.dir, hex: f.hex }))).toEqual(frames.map((f) => ({ dir: f.dir === 'I' ? 'in' : 'out', hex: f.hex })));
      expect(stream.frames.filter((f) => f.error !== undefined)).toEqual([]);

      const text = await runCliProcess(['replay', out, '--port', '2404', '--mapping', EXAMPLE_MAPPING], 30_000);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^stream 1: charger \S+:40001 -> gateway \S+:2404 \(by --port\)$/m);
      expect(text.stdout).toMatch(/^packet 1 \S+ gateway -> charger \(6 bytes\): 68 04 07 00 00 00$/m);
    });
  }
});
