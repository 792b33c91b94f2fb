/**
 * Frames dissected by tshark (Wireshark's IEC 60870-5-104 dissector), the independent decoder the
 * fixture tests compare with: each payload is written into a pcap as one TCP segment to port 2404
 * on its own stream (its own client port, so that no frame is read as part of another), and tshark
 * prints the asked fields of each packet. tshark is a test dependency (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcapFile } from './pcap.js';

/** tshark's values of one packet: every occurrence of each field that it printed. */
export type TsharkValues = Record<string, string[]>;

/** The `fields` of each payload as tshark reads them, in payload order (undefined for a packet it printed no line of). */
export function dissectWithTshark(payloads: readonly Uint8Array[], fields: readonly string[]): (TsharkValues | undefined)[] {
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-tshark-'));
  try {
    const file = join(dir, 'frames.pcap');
    writeFileSync(file, pcapFile(payloads.map((payload, i) => ({ srcPort: 40000 + i, dstPort: 2404, seq: 1, payload, timeMs: i }))));
    const all = ['frame.number', ...fields.filter((f) => f !== 'frame.number')];
    const args = ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=/t'];
    for (const field of all) args.push('-e', field);
    let text: string;
    try {
      text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
    } catch (err) {
      throw new Error(`tshark failed or is not installed (apt-get install tshark): ${(err as Error).message}`);
    }
    const out: (TsharkValues | undefined)[] = payloads.map(() => undefined);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const cells = line.split('\t');
      const values: TsharkValues = {};
      all.forEach((field, i) => {
        const cell = cells[i] ?? '';
        if (cell !== '') values[field] = cell.split('|');
      });
      const index = Number(values['frame.number']?.[0]) - 1;
      if (index >= 0 && index < out.length) out[index] = values;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
