/** Detection's bounds and verdicts (src/gateway/protocol-detect.ts), with the registered codecs' sniffs and a fake clock. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { findCodec } from '../../../codecs/registry.js';
import { detect, FirstBytes, FirstFrameCheck, mismatch, type Detection, type Sniffer } from '../../../src/gateway/protocol-detect.js';
import { FakeClock } from '../../support/fake-clock.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';

function sniffer(name: string): Sniffer {
  const codec = findCodec(name);
  if (codec?.sniff === undefined) throw new Error(`${name} has no sniff`);
  const sniff = codec.sniff;
  return { name, sniff: (head) => sniff.call(codec, head, undefined), ...(codec.gatewaySpeaksFirst === true ? { gatewaySpeaksFirst: true } : {}) };
}

const [ykc, iec, example] = [sniffer('ykc'), sniffer('iec104-points'), sniffer('example')];
const login = loadHexFixture(fixturePath('ykc', 'frames', '01-login-spec-v15.hex')).bytes;
const testfr = loadHexFixture(fixturePath('iec104', 'frames', 'u-testfr-act.hex')).bytes;

/** A socket's data events, and what was decided. */
function rig(sniffers: readonly Sniffer[], limits = { timeoutMs: 1000, maxBytes: 64 }) {
  const source = new EventEmitter();
  const clock = new FakeClock();
  const decided: { d: Detection; held: string }[] = [];
  const hold = new FirstBytes(source, sniffers, limits, clock, (d, held) => decided.push({ d, held: held.toString('hex') }));
  return { source, clock, decided, hold, send: (b: Buffer) => source.emit('data', b) };
}

describe('detect', () => {
  it('picks the one codec that claims a whole first frame, whichever order the codecs are in', () => {
    expect(detect([ykc, iec, example], login, false)).toEqual({ kind: 'codec', index: 0, by: 'sniff' });
    expect(detect([example, iec, ykc], login, false)).toEqual({ kind: 'codec', index: 2, by: 'sniff' });
    expect(detect([ykc, iec], testfr, false)).toEqual({ kind: 'codec', index: 1, by: 'sniff' });
  });

  it('calls two claims ambiguous at the limit, and a throwing sniff a no', () => {
    const twin = { ...ykc, name: 'twin' };
    expect(detect([ykc, twin], login, false)).toEqual({ kind: 'wait' });
    expect(detect([ykc, twin], login, true)).toMatchObject({ kind: 'refuse', reason: 'protocol_ambiguous', detail: 'its first 38 byte(s) could be ykc or twin' });
    const broken: Sniffer = {
      name: 'broken',
      sniff: () => {
        throw new Error('bug');
      },
    };
    expect(detect([broken, ykc], login, false)).toEqual({ kind: 'codec', index: 1, by: 'sniff' });
  });
});

describe('FirstBytes', () => {
  it('holds a frame split over chunks and hands every byte over once one codec claims it', () => {
    const r = rig([ykc, iec]);
    r.send(login.subarray(0, 5));
    r.send(login.subarray(5, 30));
    expect(r.decided).toEqual([]);
    r.send(Buffer.concat([login.subarray(30), Buffer.from([0x68])]));
    expect(r.decided).toEqual([{ d: { kind: 'codec', index: 0, by: 'sniff' }, held: `${login.toString('hex')}68` }]);
    r.clock.advance(5000);
    expect(r.decided).toHaveLength(1);
  });

  it('decides at the byte limit: a frame longer than the limit is refused', () => {
    const r = rig([ykc, iec], { timeoutMs: 1000, maxBytes: 20 });
    r.send(login.subarray(0, 19));
    expect(r.decided).toEqual([]);
    r.send(login.subarray(19));
    expect(r.decided.map((x) => x.d)).toEqual([{ kind: 'refuse', reason: 'protocol_timeout', detail: 'its first 20 byte(s) are no whole frame of ykc, iec104-points' }]);
    expect(r.decided[0]?.held).toBe(login.toString('hex'));
  });

  it('decides at the time limit: a silent charger goes to IEC 104, whose chargers wait for STARTDT', () => {
    const r = rig([ykc, iec, example]);
    r.clock.advance(999);
    expect(r.decided).toEqual([]);
    r.clock.advance(1);
    expect(r.decided).toEqual([{ d: { kind: 'codec', index: 1, by: 'silence' }, held: '' }]);
  });

  it('stops reading and never decides once cancelled', () => {
    const r = rig([ykc, iec]);
    r.hold.cancel();
    expect(r.source.listenerCount('data')).toBe(0);
    r.send(login);
    r.clock.advance(5000);
    expect(r.decided).toEqual([]);
  });
});

describe('mismatch and FirstFrameCheck', () => {
  it('names the codecs that claim what the configured one does not, once the answer is known', () => {
    expect(mismatch(iec, [ykc, example], login, false)).toEqual({ kind: 'done', speaks: ['ykc'] });
    expect(mismatch(ykc, [iec, example], login, false)).toEqual({ kind: 'done', speaks: [] });
    expect(mismatch(iec, [ykc], Buffer.from('GET /', 'latin1'), false)).toEqual({ kind: 'done', speaks: [] });
    expect(mismatch(ykc, [iec], testfr, false)).toEqual({ kind: 'done', speaks: ['iec104-points'] });
    // A YKC login's first 36 bytes could still be an IEC 104 APDU: no verdict yet, and none at the limit.
    expect(mismatch(iec, [ykc], login.subarray(0, 10), false)).toEqual({ kind: 'wait' });
    expect(mismatch(iec, [ykc], login.subarray(0, 10), true)).toEqual({ kind: 'done', speaks: [] });
  });

  it('watches beside the session, reports at most once and then stops reading', () => {
    const source = new EventEmitter();
    const found: (readonly string[])[] = [];
    new FirstFrameCheck(source, iec, [ykc, example], 512, (speaks) => found.push(speaks));
    source.emit('data', login.subarray(0, 12));
    expect(found).toEqual([]);
    source.emit('data', login.subarray(12));
    expect(found).toEqual([['ykc']]);
    expect(source.listenerCount('data')).toBe(0);
  });
});
