import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLog } from '../../../src/gateway/pino-log.js';
import { duplicateKeys } from '../../support/json-keys.js';

function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('pinoLog', () => {
  it('drops a field the logger carries already with the same value, and keeps another value under data', () => {
    const out = capture();
    const root = pino({ base: { service: 'pilegate' } }, out.stream);
    let current = root.child({ codec: 'ykc' });
    const log = pinoLog(() => current);
    log('info', 'before login', { codec: 'ykc', remote: '127.0.0.1' });
    current = root.child({ chargerId: 'A', codec: 'ykc' });
    log('warn', 'after login', { chargerId: 'A', time: 'T', msg: 'own', data: 1, gun: 2 });
    log('info', 'other charger', { chargerId: 'B' });
    const lines = out.lines();
    expect(lines.flatMap((l) => duplicateKeys(l))).toEqual([]);
    const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ codec: 'ykc', remote: '127.0.0.1', msg: 'before login' });
    expect(second).toMatchObject({ chargerId: 'A', msg: 'after login', gun: 2, data: { data: 1, time: 'T', msg: 'own' } });
    expect(second?.['chargerId']).toBe('A');
    expect(third).toMatchObject({ chargerId: 'A', data: { chargerId: 'B' } });
  });
});
