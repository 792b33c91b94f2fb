/**
 * The family-B codec on the command line: `decode --codec sgcc104 --dialect <name|file>` describes
 * a dialect's frames field by field without an options file, `--mapping` adds the events they
 * yield, `replay --dialect` describes a capture, and `mapping check` reports a catalogue.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/cli/capture-file.js';
import { replayCapture } from '../../../src/cli/replay.js';
import { loadDialect } from '../../../codecs/sgcc104/load-catalogue.js';
import { RecordCodec, valuesFor } from '../../../codecs/sgcc104/records.js';
import { linkWire } from '../../../codecs/sgcc104/wire.js';
import { runCli } from '../../support/cli.js';

/** The B1 login the protocol notes print (docs/protocols/state-grid-dialects.md §8). */
const B1_LOGIN = '68 01 02 84 01 01 10 11 11 22 13 00 00 00 00 00 00 00 00 00 00 AE 21 02 17';

/** A B1 monitoring record (charging, 380.5 V, 1234.56 kWh) in an I-frame. */
function b1Monitoring(): string {
  const b1 = loadDialect('b1');
  const codec = new RecordCodec(b1, 'Asia/Shanghai');
  const spec = codec.spec('monitoring');
  const asdu = codec.encode('monitoring', valuesFor(spec, { chargerId: '8401011011112213', workState: 3, voltage: 380.5, energyRegister: 1234.56, transactionId: '1' }));
  return linkWire(b1).iFrame(0, 0, asdu).toString('hex');
}

describe('pilegate and the sgcc104 codec', () => {
  it('decode --dialect b1 describes the login of the notes and a record one field per line', async () => {
    const r = await runCli(['decode', '--codec', 'sgcc104', '--dialect', 'b1', B1_LOGIN, b1Monitoring()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  chargerId 8401011011112213');
    expect(r.stdout).toMatch(/outputVoltage 380\.5/);
    expect(r.stdout).toMatch(/activeEnergy 1234\.56/);
  });

  it('decode --mapping adds the events the frames yield', async () => {
    const r = await runCli(['decode', '--codec', 'sgcc104', '--mapping', 'mappings/sgcc104/b1.yaml', B1_LOGIN, b1Monitoring()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"type":"identified","chargerId":"8401011011112213"');
    expect(r.stdout).toContain('"type":"connectorStatus","connector":1,"status":"occupied"');
  });

  it('refuses a --dialect that is neither a built-in name nor a catalogue file, and --dialect with another codec', async () => {
    const bad = await runCli(['decode', '--codec', 'sgcc104', '--dialect', 'b9', B1_LOGIN]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/b1, b2, b3 or a catalogue file/);
    const other = await runCli(['decode', '--codec', 'ykc', '--dialect', 'b1', '68']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/--dialect applies to --codec sgcc104 only/);
  });

  it('replay --dialect describes every frame of a capture without an options file', async () => {
    const text = [
      JSON.stringify({ time: '2026-12-07T08:00:00.000Z', dir: 'in', hex: B1_LOGIN.replace(/ /g, '') }),
      JSON.stringify({ time: '2026-12-07T08:00:01.000Z', dir: 'in', hex: b1Monitoring() }),
    ].join('\n');
    const r = await replayCapture(parseCapture(text, 'capture.jsonl'), { codec: 'sgcc104', flags: { dialect: 'b1' } });
    expect(r.frames[0]?.lines).toContain('  chargerId 8401011011112213');
    expect(r.frames[1]?.lines?.join('\n')).toMatch(/monitoring[\s\S]*outputVoltage 380\.5/);
    expect(r.noEvents).toMatch(/family-B dialect or options file/);
  });

  it('mapping check reports a catalogue: framing, records and the flows it covers', async () => {
    const r = await runCli(['mapping', 'check', '--codec', 'sgcc104', 'mappings/sgcc104/b1.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid/);
    expect(r.stdout).toMatch(/charge record: chargeRecord -> TransactionEvent Ended/);
  });

  it('mapping check without --codec reads a catalogue by its kind: sgcc104-dialect', async () => {
    const r = await runCli(['mapping', 'check', 'mappings/sgcc104/b2.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sgcc104 options \(mappings\/sgcc104\/b2\.yaml\): valid/);
    expect(r.stdout).toMatch(/dialect +b2: /);
  });

  it('mapping check without --codec reports an invalid catalogue at its file:line:column and JSON pointer, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilegate-catalogue-'));
    try {
      const file = join(dir, 'b1-bad.yaml');
      const text = readFileSync('mappings/sgcc104/b1.yaml', 'utf8');
      expect(text).toContain('  lengthOctets: 1\n');
      writeFileSync(file, text.replace('  lengthOctets: 1\n', '  lengthOctets: 3\n'));
      const r = await runCli(['mapping', 'check', file]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^error CONFIG_INVALID ${file.replace(/[.\\]/g, '\\$&')}:19:3 /framing/lengthOctets: `));
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
