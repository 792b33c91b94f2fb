import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { isLoopbackHost } from '../../../src/gateway/http-config.js';
import { configError } from '../../support/config-error.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const withHttp = (http: string): string => `listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\nhttp: ${http}\n`;

/** Parses a config whose file sits in a temp dir holding `files`. */
function parse(http: string, env: Record<string, string> = {}, files: Record<string, string> = {}): ReturnType<typeof parseGatewayConfig> {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-http-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return parseGatewayConfig(withHttp(http), join(dir, 'pilegate.yaml'), env);
}

describe('gateway config: http', () => {
  it('listens on the loopback interface of port 9104 without credentials by default', () => {
    const c = parseGatewayConfig('listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n', 'min.yaml', {});
    expect(c.http).toEqual({ port: 9104, host: '127.0.0.1', csmsGraceMs: 60_000 });
    expect(parse('{ host: 0.0.0.0 }', { PILEGATE_HTTP_HOST: '10.1.2.3' }).http).toEqual({ port: 9104, host: '10.1.2.3', csmsGraceMs: 60_000 });
  });

  it('takes the CSMS grace period of /readyz from the file or PILEGATE_HTTP_CSMSGRACEMS, and refuses a negative one', () => {
    expect(parse('{ csmsGraceMs: 5000 }').http.csmsGraceMs).toBe(5000);
    expect(parse('{ csmsGraceMs: 5000 }', { PILEGATE_HTTP_CSMSGRACEMS: '120000' }).http.csmsGraceMs).toBe(120_000);
    expect(() => parse('{ csmsGraceMs: -1 }')).toThrow(/\/http\/csmsGraceMs/);
  });

  it('reads a bearer token from the first line of a file next to the config', () => {
    expect(parse('{ auth: { scheme: bearer, secretFile: token } }', {}, { token: 'tok-123\r\nignored\n' }).http.auth).toEqual({ scheme: 'bearer', secret: 'tok-123' });
  });

  it('takes the secret from PILEGATE_HTTP_SECRET over the file', () => {
    const c = parse('{ auth: { scheme: basic, username: prom, secretFile: token } }', { PILEGATE_HTTP_SECRET: 'from-env' }, { token: 'from-file\n' });
    expect(c.http.auth).toEqual({ scheme: 'basic', username: 'prom', secret: 'from-env' });
  });

  it('refuses credentials without a secret, an empty secret file, and a scheme without its username or with a stray one', () => {
    const problems = (http: string, env: Record<string, string> = {}, files: Record<string, string> = {}): { pointer: string; reason: string }[] =>
      configError(() => parse(http, env, files)).issues.map(({ pointer, reason }) => ({ pointer, reason }));
    expect(problems('{ auth: { scheme: bearer } }')).toEqual([{ pointer: '/http/auth', reason: 'no secret: set secretFile or the environment variable PILEGATE_HTTP_SECRET' }]);
    expect(configError(() => parse('{ auth: { scheme: bearer, secretFile: token } }', {}, { token: '\n' })).issues.map((i) => i.pointer)).toEqual(['/http/auth/secretFile']);
    expect(problems('{ auth: { scheme: basic } }', { PILEGATE_HTTP_SECRET: 's' })).toEqual([{ pointer: '/http/auth', reason: 'basic needs "username"' }]);
    expect(configError(() => parse('{ auth: { scheme: bearer, username: u } }', { PILEGATE_HTTP_SECRET: 's' })).issues.map((i) => i.pointer)).toEqual(['/http/auth/username']);
  });

  it('refuses PILEGATE_HTTP_SECRET without http.auth (the endpoints would stay open), and a bearer token that no header can carry', () => {
    expect(configError(() => parse('{ host: 0.0.0.0 }', { PILEGATE_HTTP_SECRET: 'tok-123' })).issues.map(({ pointer, reason }) => ({ pointer, reason }))).toEqual([
      { pointer: '/http/auth', reason: 'PILEGATE_HTTP_SECRET is set but http.auth is not: set its scheme (bearer or basic), or unset the variable' },
    ]);
    const spaced = configError(() => parse('{ auth: { scheme: bearer, secretFile: token } }', {}, { token: 'two words\n' }));
    expect(spaced.issues.map(({ pointer, reason }) => ({ pointer, reason }))).toEqual([
      { pointer: '/http/auth/secretFile', reason: 'a bearer token must be one word of visible characters (value not shown)' },
    ]);
    expect(JSON.stringify(spaced)).not.toContain('words');
    expect(configError(() => parse('{ auth: { scheme: bearer } }', { PILEGATE_HTTP_SECRET: 'tab\there' })).issues.map((i) => i.pointer)).toEqual(['/http/auth']);
    // A Basic password goes base64-encoded: anything goes.
    expect(parse('{ auth: { scheme: basic, username: prom } }', { PILEGATE_HTTP_SECRET: 'pass with spaces' }).http.auth).toEqual({ scheme: 'basic', username: 'prom', secret: 'pass with spaces' });
  });

  it('has no place for a secret in the file itself, and reports a missing secret file', () => {
    const e = configError(() => parse('{ auth: { scheme: bearer, secret: abc } }'));
    expect(e.issues.map((i) => i.pointer)).toEqual(['/http/auth/secret']);
    const missing = configError(() => parse('{ auth: { scheme: bearer, secretFile: nope } }'));
    expect(missing.code).toBe('CONFIG_READ');
    expect(JSON.stringify(missing)).not.toContain('abc');
  });

  it('tells a loopback address from others', () => {
    expect(['127.0.0.1', '127.0.0.2', 'localhost', '::1'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '127.example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});
