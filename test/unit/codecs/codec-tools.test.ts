/** The tools every registered codec carries: framing without a session, and frames counted by its session. */
import { describe, expect, it } from 'vitest';
import type { SessionSink } from '../../../codecs/codec.js';
import { allCodecs, findCodec } from '../../../codecs/registry.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';
import { EXAMPLE_MAPPING } from '../../support/gateway-harness.js';

const YKC_HEARTBEAT = loadHexFixture(fixturePath('ykc', 'frames', '03-heartbeat-spec.hex')).bytes;
const TESTFR_ACT = Buffer.from('680443000000', 'hex');
const S_FRAME = Buffer.from('680401000000', 'hex');

function countingSink(): { sink: SessionSink; frames: () => number } {
  let frames = 0;
  return {
    frames: () => frames,
    sink: { event: () => undefined, send: () => undefined, error: () => undefined, close: () => undefined, log: () => undefined, frameReceived: () => (frames += 1) },
  };
}

const noTimers = { now: () => 0, setTimeout: () => undefined, clearTimeout: () => undefined };

describe('codec frame tools', () => {
  it('every registered codec has a framer and a time zone of its own', () => {
    for (const codec of allCodecs()) {
      expect(codec.timeZone(undefined)).toBe('Asia/Shanghai');
      expect(typeof codec.frameTools(undefined, { timeZone: 'UTC' }).framer().push).toBe('function');
    }
  });

  it('frames, describes and reports a frame the input ends inside', () => {
    const tools = findCodec('ykc')?.frameTools(undefined, { timeZone: 'UTC' });
    const framer = tools?.framer();
    const items = [...(framer?.push(Buffer.concat([YKC_HEARTBEAT, YKC_HEARTBEAT.subarray(0, 5)])) ?? [])];
    expect(items.map((i) => i.kind)).toEqual(['frame']);
    const first = items[0];
    expect(first?.kind === 'frame' && tools?.decode(first.frame)).toMatchObject({
      ok: true,
      lines: expect.arrayContaining(['  heartbeat (0x03) seq 256 crc le', '    pileCode: "32010200000001"']) as unknown,
    });
    expect(framer?.end()).toMatchObject({ code: 'YKC_TRUNCATED', offset: YKC_HEARTBEAT.length });
  });
});

describe('SessionSink.frameReceived', () => {
  it('a YKC session counts each whole frame of a chunk, not its framing errors', () => {
    const codec = findCodec('ykc');
    const counted = countingSink();
    const session = codec?.createSession({ options: {}, clock: noTimers, connection: {}, sink: counted.sink });
    session?.receive(Buffer.concat([Buffer.from('ffff', 'hex'), YKC_HEARTBEAT, YKC_HEARTBEAT]));
    expect(counted.frames()).toBe(2);
  });

  it('an IEC 104 session counts each whole APDU, split or not', async () => {
    const codec = findCodec('iec104-points');
    const options = await codec?.loadOptions({ file: EXAMPLE_MAPPING });
    const counted = countingSink();
    const session = codec?.createSession({ options, clock: noTimers, connection: {}, sink: counted.sink });
    session?.start();
    const bytes = Buffer.concat([TESTFR_ACT, S_FRAME]);
    session?.receive(bytes.subarray(0, 3));
    session?.receive(bytes.subarray(3));
    expect(counted.frames()).toBe(2);
  });
});
