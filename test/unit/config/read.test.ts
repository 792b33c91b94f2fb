import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { findPackageFile, readConfigFile } from '../../../src/config/read.js';

const dir = mkdtempSync(join(tmpdir(), 'pilegate-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readError(path: string, maxBytes?: number): ConfigError {
  try {
    readConfigFile(path, maxBytes);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('readConfigFile', () => {
  it('returns the text, without a UTF-8 byte order mark', () => {
    const file = join(dir, 'bom.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name: 充电桩\n')]));
    expect(readConfigFile(file)).toBe('name: 充电桩\n');
  });

  it('reports a missing file as CONFIG_READ naming the path as given', () => {
    const file = join(dir, 'missing.yaml');
    const e = readError(file);
    expect(e.code).toBe('CONFIG_READ');
    expect(e.file).toBe(file);
    expect(e.issues).toEqual([{ pointer: '', reason: 'cannot read file: no such file' }]);
    expect(e.message).toBe(`${file}: cannot read file: no such file`);
  });

  it('refuses a directory and a file above the size limit, unread', () => {
    expect(readError(dir)).toMatchObject({ code: 'CONFIG_READ', issues: [{ reason: 'is a directory, not a file' }] });
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'x'.repeat(100));
    expect(readError(big, 99)).toMatchObject({ code: 'CONFIG_READ', issues: [{ reason: 'file is 100 bytes; at most 99 are read' }] });
  });

  it('reports bytes that are not UTF-8 as CONFIG_SYNTAX', () => {
    const file = join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(readError(file)).toMatchObject({ code: 'CONFIG_SYNTAX', issues: [{ reason: 'file is not valid UTF-8 text' }] });
  });
});

describe('findPackageFile', () => {
  it('finds a package data file from any depth below the package root', () => {
    const found = findPackageFile(import.meta.url, 'mappings/schema/iec104-points.schema.json');
    expect(existsSync(found)).toBe(true);
    expect(relative(process.cwd(), found).replace(/\\/g, '/')).toMatch(/mappings\/schema\/iec104-points\.schema\.json$/);
  });

  it('throws a plain Error (a broken installation, not bad input) when nothing has it', () => {
    expect(() => findPackageFile(import.meta.url, 'no/such/file-9f3c.json')).toThrow(/no\/such\/file-9f3c\.json not found/);
  });
});
