/**
 * decodeYkcFrame / encodeYkcFrame beyond the fixtures: header errors with their offsets, the codec
 * options (time zone, card rendering), encoder defaults (sequence little-endian, CRC low byte
 * first, replies echo the request's sequence bytes), encoder range errors, and the catalogue.
 */
import { describe, expect, it } from 'vitest';
import {
  YKC_FRAME_TYPES,
  YkcEncodeError,
  decodeYkcFrame,
  encodeYkcFrame,
  encodeYkcReply,
  frameInfo,
  frameInfoByName,
  stopReasonInfo,
  timestampFromDate,
  type YkcFrame,
  type YkcFrameOf,
} from '../../../../codecs/ykc/index.js';
import { fixturePath, loadFrameFixtures, loadHexFixture } from '../../../support/fixtures.js';

const bytesOf = (name: string): Buffer => loadHexFixture(fixturePath('ykc', 'frames', `${name}.hex`)).bytes;

function decodeOk(bytes: Uint8Array, options = {}): YkcFrame {
  const r = decodeYkcFrame(bytes, options);
  if (!r.ok) throw new Error(`${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

function errorOf(bytes: Uint8Array, options = {}): { code: string; offset: number } {
  const r = decodeYkcFrame(bytes, options);
  if (r.ok) throw new Error('decoded');
  return { code: r.error.code, offset: r.error.offset };
}

const HB = bytesOf('03-heartbeat-spec');
const heartbeat: YkcFrameOf<'heartbeat'> = { type: 'heartbeat', sequence: 0x0100, pileCode: '32010200000001', gun: '01', gunState: 0 };

describe('decodeYkcFrame: header errors', () => {
  it('rejects an empty frame, a wrong start byte and a frame without its length byte', () => {
    expect(errorOf(Buffer.alloc(0))).toEqual({ code: 'YKC_TRUNCATED', offset: 0 });
    expect(errorOf(Buffer.from([0x69, 0x0d]))).toEqual({ code: 'YKC_BAD_START', offset: 0 });
    expect(errorOf(Buffer.from([0x68]))).toEqual({ code: 'YKC_TRUNCATED', offset: 1 });
  });

  it('checks the length field against its limits and the frame size', () => {
    expect(errorOf(Buffer.from([0x68, 0x03, 0, 0, 0, 0, 0]))).toEqual({ code: 'YKC_LENGTH', offset: 1 });
    expect(errorOf(HB.subarray(0, 12))).toEqual({ code: 'YKC_TRUNCATED', offset: 12 });
    expect(errorOf(Buffer.concat([HB, Buffer.from([0])]))).toEqual({ code: 'YKC_LENGTH', offset: 1 });
    expect(errorOf(bytesOf('3d-transaction-record-v17-jcpp'), { maxLength: 200 })).toEqual({ code: 'YKC_LENGTH', offset: 1 });
  });

  it('reports a CRC error at the CRC field and keeps the frame', () => {
    const bad = Buffer.from(HB);
    bad[8] = (bad[8] as number) ^ 0x01;
    const r = decodeYkcFrame(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect([r.error.code, r.error.offset]).toEqual(['YKC_CRC', 15]);
      expect(Buffer.from(r.error.raw ?? []).equals(bad)).toBe(true);
    }
  });

  it('moves error offsets into the stream with shifted()', () => {
    const r = decodeYkcFrame(Buffer.from([0x68, 0x02]));
    expect(r.ok ? undefined : r.error.shifted(100).offset).toBe(101);
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    expect(decodeOk(new Uint8Array(HB))).toMatchObject({ type: 'heartbeat', pileCode: '32010200000001' });
  });
});

describe('codec options', () => {
  const record = bytesOf('3d-transaction-record-v17-jcpp');

  it('converts CP56Time2a with Asia/Shanghai by default and with a configured zone', () => {
    const shanghai = decodeOk(record) as YkcFrameOf<'transactionRecordV17'>;
    expect(shanghai.startTime.utc).toBe('2020-03-16T09:14:47.000Z');
    const utc = decodeOk(record, { timeZone: 'UTC' }) as YkcFrameOf<'transactionRecordV17'>;
    expect(utc.startTime.utc).toBe('2020-03-16T17:14:47.000Z');
    expect(utc.startTime.cp56).toEqual(shanghai.startTime.cp56);
    const berlin = decodeOk(record, { timeZone: 'Europe/Berlin' }) as YkcFrameOf<'transactionRecordV17'>;
    expect(berlin.startTime.utc).toBe('2020-03-16T16:14:47.000Z');
  });

  it('gives utc null for a CP56Time2a that is not a date (all zero)', () => {
    const zero = decodeOk(encodeYkcFrame({ type: 'timeSync', sequence: 1, pileCode: '1', time: { cp56: decodeTime0(), utc: null } })) as YkcFrameOf<'timeSync'>;
    expect(zero.time.utc).toBeNull();
  });

  it('renders physical cards as hex by default and as JCPP little-endian int64 on request, both ways', () => {
    const request = bytesOf('31-start-request-jcpp-card');
    expect((decodeOk(request) as YkcFrameOf<'startRequest'>).cardNo).toBe('00000000D14B0A54');
    const jcpp = decodeOk(request, { cardFormat: 'int64le' }) as YkcFrameOf<'startRequest'>;
    expect(jcpp.cardNo).toBe('6055736009973301248');
    expect(encodeYkcFrame(jcpp, { cardFormat: 'int64le' }).equals(request)).toBe(true);
    const answer = decodeOk(bytesOf('41-balance-update-answer-jcpp'), { cardFormat: 'int64le' }) as YkcFrameOf<'balanceUpdateAnswer'>;
    expect(answer.physicalCardNo).toBe('6211609577260056592');
    const negative = encodeYkcFrame({ ...jcpp, cardNo: '-1' }, { cardFormat: 'int64le' });
    expect(negative.subarray(16, 24).toString('hex')).toBe('ffffffffffffffff');
  });

  it('builds a timestamp from a Date in the charger zone and reads the same instant back', () => {
    const at = new Date('2024-12-18T09:15:30.000Z');
    const time = timestampFromDate(at);
    expect(time.cp56).toMatchObject({ year: 24, month: 12, day: 18, hour: 17, minute: 15, milliseconds: 30_000, dayOfWeek: 3 });
    const sync = decodeOk(encodeYkcFrame({ type: 'timeSync', sequence: 1, pileCode: '20231212000010', time })) as YkcFrameOf<'timeSync'>;
    expect(sync.time.utc).toBe(at.toISOString());
  });
});

function decodeTime0(): YkcFrameOf<'timeSync'>['time']['cp56'] {
  return { milliseconds: 0, minute: 0, hour: 0, day: 0, dayOfWeek: 0, month: 0, year: 0, invalid: false, summerTime: false, substituted: false };
}

describe('encodeYkcFrame', () => {
  it('writes the header, the sequence little-endian and the CRC low byte first', () => {
    expect(encodeYkcFrame(heartbeat).equals(HB)).toBe(true);
    const be = encodeYkcFrame(heartbeat, { crcOrder: 'be' });
    expect(be.subarray(-2).toString('hex')).toBe(HB.subarray(-2).reverse().toString('hex'));
  });

  it('echoes the request sequence bytes verbatim in a reply', () => {
    const request = decodeOk(bytesOf('05-billing-model-verify-jcpp-crc-be'));
    const reply = encodeYkcReply<'billingModelVerifyAnswer'>(request, {
      type: 'billingModelVerifyAnswer',
      pileCode: '20231212000010',
      billingModelId: '0000',
      result: 0,
    });
    expect(reply.subarray(2, 4).toString('hex')).toBe('71ad');
    expect(reply.subarray(-2).toString('hex')).toBe(crcLe(reply));
  });

  it('rounds scaled values to the resolution of their field', () => {
    const rt = decodeOk(bytesOf('13-real-time-data-charging')) as YkcFrameOf<'realTimeData'>;
    const again = decodeOk(encodeYkcFrame({ ...rt, outputVoltageV: 229.96, energyKwh: 1.23456 })) as YkcFrameOf<'realTimeData'>;
    expect(again.outputVoltageV).toBe(230);
    expect(again.energyKwh).toBe(1.2346);
  });

  it('throws YkcEncodeError (YKC_FIELD) naming the field for values the field cannot carry', () => {
    const cases: [YkcFrame, string][] = [
      [{ ...heartbeat, pileCode: '320102000000011' }, 'pileCode'],
      [{ ...heartbeat, gun: 'x1' }, 'gun'],
      [{ ...heartbeat, gunState: 256 }, 'gunState'],
      [{ ...heartbeat, gunState: 1.5 }, 'gunState'],
      [{ ...heartbeat, sequence: 0x10000 }, 'sequence'],
      [{ ...heartbeat, trailing: 'zz' }, 'trailing'],
      [{ ...heartbeat, missing: 3 }, 'missing'],
      [{ type: 'workParams', sequence: 0, pileCode: '1', disabled: 0, maxPowerPercent: -1 }, 'maxPowerPercent'],
      [{ type: 'loginAnswer', sequence: 0, pileCode: '1', result: Number.NaN }, 'result'],
    ];
    for (const [frame, field] of cases) {
      expect(() => encodeYkcFrame(frame), field).toThrow(YkcEncodeError);
      try {
        encodeYkcFrame(frame);
      } catch (err) {
        expect((err as YkcEncodeError).field).toBe(field);
        expect((err as YkcEncodeError).code).toBe('YKC_FIELD');
      }
    }
  });

  it('checks texts, cards, negative scaled values, rate tables, card counts and the body size', () => {
    const login = decodeOk(bytesOf('01-login-jcpp')) as YkcFrameOf<'login'>;
    expect(() => encodeYkcFrame({ ...login, firmwareVersion: 'V1.2.3.4.5' })).toThrow(/firmwareVersion/);
    expect(() => encodeYkcFrame({ ...login, firmwareVersion: '版本' })).toThrow(/Latin-1/);
    const rt = decodeOk(bytesOf('13-real-time-data-charging')) as YkcFrameOf<'realTimeData'>;
    expect(() => encodeYkcFrame({ ...rt, outputCurrentA: -1 })).toThrow(/outputCurrentA/);
    expect(() => encodeYkcFrame({ ...rt, gunCableTempC: -51 })).toThrow(/gunCableTempC/);
    const start = decodeOk(bytesOf('34-remote-start-spec')) as YkcFrameOf<'remoteStart'>;
    expect(() => encodeYkcFrame({ ...start, physicalCardNo: '1'.repeat(17) })).toThrow(/physicalCardNo/);
    expect(() => encodeYkcFrame({ ...start, physicalCardNo: '12' }, { cardFormat: 'int64le' })).not.toThrow();
    expect(() => encodeYkcFrame({ ...start, physicalCardNo: '9223372036854775808' }, { cardFormat: 'int64le' })).toThrow(/64 bits/);
    const model = decodeOk(bytesOf('0a-billing-model-answer-spec')) as YkcFrameOf<'billingModelAnswer'>;
    expect(() => encodeYkcFrame({ ...model, periods: model.periods.slice(1) })).toThrow(/periods/);
    const sync = decodeOk(bytesOf('44-offline-card-sync-spec')) as YkcFrameOf<'offlineCardSync'>;
    const card = sync.cards[0];
    if (card === undefined) throw new Error('no card');
    expect(() => encodeYkcFrame({ ...sync, cards: Array.from({ length: 16 }, () => card) })).toThrow(/at most 15/);
    const answer = decodeOk(bytesOf('45-offline-card-clear-answer-spec')) as YkcFrameOf<'offlineCardClearAnswer'>;
    const result = answer.results[0];
    if (result === undefined) throw new Error('no result');
    expect(() => encodeYkcFrame({ ...answer, results: Array.from({ length: 25 }, () => result) })).toThrow(/one-byte length/);
  });

  it('encodes the 0x25 flags in the layout the frame names', () => {
    const packed = decodeOk(bytesOf('25-bms-info-packed')) as YkcFrameOf<'bmsInfo'>;
    const words = encodeYkcFrame({ ...packed, flagLayout: 'words' });
    expect(words[1]).toBe(45 + 4);
    expect(decodeOk(words)).toMatchObject({ flagLayout: 'words', flags: packed.flags });
    expect(() => encodeYkcFrame({ ...packed, flags: { ...packed.flags, soc: 4 } })).toThrow(/flags.soc/);
  });

  it('re-encodes the offline-card lists in either count layout', () => {
    const jcpp = decodeOk(bytesOf('48-offline-card-query-jcpp')) as YkcFrameOf<'offlineCardQuery'>;
    const spec = decodeOk(encodeYkcFrame({ ...jcpp, countLayout: 'spec' })) as YkcFrameOf<'offlineCardQuery'>;
    expect(spec).toMatchObject({ countLayout: 'spec', cards: jcpp.cards, pileCode: jcpp.pileCode });
  });
});

function crcLe(frame: Buffer): string {
  let crc = 0xffff;
  for (const b of frame.subarray(2, -2)) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return Buffer.from([crc & 0xff, crc >>> 8]).toString('hex');
}

describe('frame-type catalogue', () => {
  it('has unique codes and names, odd codes travelling charger -> platform', () => {
    expect(new Set(YKC_FRAME_TYPES.map((t) => t.code)).size).toBe(YKC_FRAME_TYPES.length);
    expect(new Set(YKC_FRAME_TYPES.map((t) => t.name)).size).toBe(YKC_FRAME_TYPES.length);
    for (const t of YKC_FRAME_TYPES) expect(t.dir, t.name).toBe(t.code % 2 === 1 ? 'up' : 'down');
    expect(YKC_FRAME_TYPES).toHaveLength(52);
  });

  it('looks types up by code and name', () => {
    expect(frameInfo(0x3b)?.name).toBe('transactionRecord');
    expect(frameInfo(0x07)).toBeUndefined();
    expect(frameInfoByName('transactionRecordV17')).toMatchObject({ code: 0x3d, body: 201, since: '1.7' });
  });

  it('gives the body length every exact-fitting fixture has', () => {
    for (const fixture of loadFrameFixtures('ykc', 'frames')) {
      const value = fixture.expected as YkcFrame & { flagLayout?: string; countLayout?: string };
      if (value.trailing !== undefined || value.missing !== undefined) continue;
      if (value.flagLayout === 'words' || value.countLayout === 'jcpp') continue;
      const info = frameInfoByName(value.type);
      const body = (fixture.bytes[1] as number) - 4;
      if (info.entry === undefined) expect(body, fixture.name).toBe(info.body);
      else expect((body - info.body) % info.entry, fixture.name).toBe(0);
    }
  });
});

describe('stop reasons (docs/protocols/ykc.md §5)', () => {
  it('names the codes and their categories', () => {
    expect(stopReasonInfo(0x40)).toEqual({ code: 0x40, category: 'completed', text: 'app remote stop' });
    expect(stopReasonInfo(0x4e)).toMatchObject({ category: 'startFailed', text: 'insufficient balance' });
    expect(stopReasonInfo(0x72)).toMatchObject({ category: 'abnormal', text: 'emergency stop' });
    expect(stopReasonInfo(0x58)).toMatchObject({ category: 'startFailed', text: 'reserved' });
    expect(stopReasonInfo(0x90)).toMatchObject({ category: 'unknown', text: 'unknown' });
    expect(stopReasonInfo(0x01)).toMatchObject({ category: 'unknown', text: undefined });
  });
});
