/** Listener forms of the gateway config: one codec (`codec:`), or several on one port (`codecs:` with `detect:`). */
import { describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { configError } from '../../support/config-error.js';

const csms = 'csms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: listeners', () => {
  it('keeps codec: with its mapping as one codec, without detection limits', () => {
    const c = parseGatewayConfig(`listeners:\n  - { port: 2404, codec: iec104-points, mapping: points.yaml }\n${csms}`, '/etc/pg/pilegate.yaml', {});
    expect(c.listeners[0]).toMatchObject({ port: 2404, codecs: [{ codec: 'iec104-points', pointer: '/listeners/0/codec', line: 2 }] });
    expect(c.listeners[0]?.codecs[0]?.mapping).toMatch(/[/\\]etc[/\\]pg[/\\]points\.yaml$/);
    expect(c.listeners[0]?.detect).toBeUndefined();
  });

  it('reads codecs: in order, each with its own mapping, and the detection limits with their defaults', () => {
    const text = [
      'listeners:',
      '  - port: 2404',
      '    codecs:',
      '      - { codec: ykc, mapping: ykc.yaml }',
      '      - codec: iec104-points',
      '        mapping: points.yaml',
      '    detect: { timeoutMs: 1500 }',
      csms,
    ].join('\n');
    const c = parseGatewayConfig(text, '/etc/pg/pilegate.yaml', {});
    const l = c.listeners[0];
    expect(l?.codecs.map((x) => [x.codec, x.pointer, x.line])).toEqual([
      ['ykc', '/listeners/0/codecs/0/codec', 4],
      ['iec104-points', '/listeners/0/codecs/1/codec', 5],
    ]);
    expect(l?.codecs.map((x) => x.mapping?.replace(/^.*[/\\]/, ''))).toEqual(['ykc.yaml', 'points.yaml']);
    expect(l?.detect).toEqual({ timeoutMs: 1500, maxBytes: 512 });
  });

  it('reports each misuse with file, line and pointer', () => {
    const text = [
      'listeners:',
      '  - { port: 1, codec: ykc, codecs: [{ codec: ykc }, { codec: example }] }',
      '  - { port: 2, codecs: [{ codec: ykc }, { codec: ykc }] }',
      '  - { port: 3, codec: ykc, detect: { timeoutMs: 1000 } }',
      '  - { port: 4 }',
      '  - { port: 5, mapping: a.yaml, codecs: [{ codec: ykc }, { codec: example }] }',
      csms,
    ].join('\n');
    const lines = configErrorLines(configError(() => parseGatewayConfig(text, 'gw.yaml', {})));
    expect(lines).toEqual([
      expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:2:\d+ \/listeners\/0\/codec: a listener names one codec \(codec\) or several \(codecs\), not both$/),
      expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:3:\d+ \/listeners\/1\/codecs\/1\/codec: codec "ykc" is named twice on this listener$/),
      expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:4:\d+ \/listeners\/2\/detect: detect applies to a listener with several codecs/),
      expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:5:\d+ \/listeners\/3: a listener needs codec .* or codecs/),
      expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:6:\d+ \/listeners\/4\/mapping: with codecs, each entry names its own mapping$/),
    ]);
  });

  it('wants two codecs or more in codecs:, and detection limits in range', () => {
    const text = ['listeners:', '  - { port: 1, codecs: [{ codec: ykc }], detect: { maxBytes: 8, timeoutMs: 10 } }', csms].join('\n');
    const e = configError(() => parseGatewayConfig(text, 'gw.yaml', {}));
    expect(e.issues.map((i) => [i.pointer, i.line])).toEqual([
      ['/listeners/0/codecs', 2],
      ['/listeners/0/detect/maxBytes', 2],
      ['/listeners/0/detect/timeoutMs', 2],
    ]);
  });
});
