import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OcppError } from '../../../src/ocpp/errors.js';
import { parseFrame, serializeCall, serializeCallError, serializeCallResult, serializeFrame, type OcppFrame } from '../../../src/ocpp/frames.js';
import { testSeed } from '../../support/seed.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('parseFrame: valid frames', () => {
  const frames: [string, string, OcppFrame][] = [
    ['CALL', `[2,"${ID}","BootNotification",{"reason":"PowerUp"}]`, { type: 2, id: ID, action: 'BootNotification', payload: { reason: 'PowerUp' } }],
    ['CALL with empty payload', `[2,"a","Heartbeat",{}]`, { type: 2, id: 'a', action: 'Heartbeat', payload: {} }],
    ['CALLRESULT', `[3,"${ID}",{"status":"Accepted"}]`, { type: 3, id: ID, payload: { status: 'Accepted' } }],
    ['CALLERROR', `[4,"${ID}","NotSupported","no",{"a":1}]`, { type: 4, id: ID, code: 'NotSupported', description: 'no', details: { a: 1 } }],
    ['CALLERROR with a 1.6 spelling (kept as received)', `[4,"x","OccurenceConstraintViolation","",{}]`, { type: 4, id: 'x', code: 'OccurenceConstraintViolation', description: '', details: {} }],
  ];

  it.each(frames)('%s parses, serializes back and parses again to the same frame', (_name, text, frame) => {
    const parsed = parseFrame(text);
    expect(parsed).toEqual({ ok: true, frame });
    const again = parseFrame(serializeFrame(frame));
    expect(again).toEqual({ ok: true, frame });
  });

  it('accepts a 36-character id and surrounding whitespace', () => {
    expect(parseFrame(` [3, "${'x'.repeat(36)}", {}] \n`).ok).toBe(true);
  });
});

describe('parseFrame: invalid frames', () => {
  const cases: [string, string, string, string, number | undefined][] = [
    // [name, text, code, id to answer with, message type]
    ['not JSON', '[2,"a","Heartbeat",{', 'RpcFrameworkError', '-1', undefined],
    ['empty text', '', 'RpcFrameworkError', '-1', undefined],
    ['JSON object', '{"type":2}', 'RpcFrameworkError', '-1', undefined],
    ['JSON string', '"hello"', 'RpcFrameworkError', '-1', undefined],
    ['empty array', '[]', 'RpcFrameworkError', '-1', undefined],
    ['type as string', '["2","a","Heartbeat",{}]', 'RpcFrameworkError', 'a', undefined],
    ['type not an integer', '[2.5,"a","Heartbeat",{}]', 'RpcFrameworkError', 'a', undefined],
    ['unknown type 5 (2.1 CALLRESULTERROR)', '[5,"a","X","",{}]', 'MessageTypeNotSupported', 'a', 5],
    ['unknown type 6 (2.1 SEND) without id', '[6]', 'MessageTypeNotSupported', '-1', 6],
    ['id a number', '[2,123,"Heartbeat",{}]', 'RpcFrameworkError', '-1', 2],
    ['id missing', '[2]', 'RpcFrameworkError', '-1', 2],
    ['id empty', '[2,"","Heartbeat",{}]', 'RpcFrameworkError', '-1', 2],
    ['id of 37 characters', `[2,"${'x'.repeat(37)}","Heartbeat",{}]`, 'RpcFrameworkError', '-1', 2],
    ['CALL without payload', '[2,"a","Heartbeat"]', 'ProtocolError', 'a', 2],
    ['CALL with an extra element', '[2,"a","Heartbeat",{},{}]', 'ProtocolError', 'a', 2],
    ['CALL action a number', '[2,"a",7,{}]', 'ProtocolError', 'a', 2],
    ['CALL action empty', '[2,"a","",{}]', 'ProtocolError', 'a', 2],
    ['CALL payload null', '[2,"a","Heartbeat",null]', 'FormatViolation', 'a', 2],
    ['CALL payload an array', '[2,"a","Heartbeat",[]]', 'FormatViolation', 'a', 2],
    ['CALLRESULT without payload', '[3,"a"]', 'ProtocolError', 'a', 3],
    ['CALLRESULT payload a string', '[3,"a","ok"]', 'FormatViolation', 'a', 3],
    ['CALLERROR without details', '[4,"a","GenericError","x"]', 'ProtocolError', 'a', 4],
    ['CALLERROR code a number', '[4,"a",1,"x",{}]', 'FormatViolation', 'a', 4],
    ['CALLERROR description null', '[4,"a","GenericError",null,{}]', 'FormatViolation', 'a', 4],
    ['CALLERROR details null', '[4,"a","GenericError","x",null]', 'FormatViolation', 'a', 4],
  ];

  it.each(cases)('%s → %s', (_name, text, code, id, messageType) => {
    const parsed = parseFrame(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBeInstanceOf(OcppError);
    expect(parsed.error.code).toBe(code);
    expect(parsed.id).toBe(id);
    expect(parsed.messageType).toBe(messageType);
  });

  it('never echoes the offending text in the error', () => {
    const parsed = parseFrame('[2,"a","Heartbeat",{"x":"<script>');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.description).not.toContain('script');
  });

  it('never throws, whatever the input (random strings and random JSON)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify([2, 'id', 'A', v])),
        ),
        (text) => {
          const parsed = parseFrame(text);
          if (!parsed.ok) {
            expect(parsed.id.length).toBeLessThanOrEqual(36);
            expect(parsed.error.description.length).toBeLessThanOrEqual(255);
          }
        },
      ),
      { numRuns: 500, seed: testSeed('ocpp frames property') },
    );
  });
});

describe('serialize', () => {
  it('writes the array shapes of Part 4 §4.2', () => {
    expect(JSON.parse(serializeCall('a', 'Heartbeat', {}))).toEqual([2, 'a', 'Heartbeat', {}]);
    expect(JSON.parse(serializeCallResult('a', { currentTime: 'x' }))).toEqual([3, 'a', { currentTime: 'x' }]);
    expect(JSON.parse(serializeCallError('-1', new OcppError('RpcFrameworkError', 'bad')))).toEqual([4, '-1', 'RpcFrameworkError', 'bad', {}]);
  });

  it('omits optional fields left undefined instead of writing null', () => {
    const text = serializeCall('a', 'BootNotification', { reason: 'PowerUp', customData: undefined });
    expect(text).toBe('[2,"a","BootNotification",{"reason":"PowerUp"}]');
  });

  it('cuts the error description to 255 characters', () => {
    const [, , , description] = JSON.parse(serializeCallError('a', new OcppError('GenericError', 'é'.repeat(300)))) as unknown[];
    expect(description).toBe('é'.repeat(255));
    const frame: OcppFrame = { type: 4, id: 'a', code: 'X', description: 'y'.repeat(256), details: {} };
    expect((JSON.parse(serializeFrame(frame)) as unknown[])[3]).toHaveLength(255);
  });

  it('does not split a surrogate pair when cutting', () => {
    const error = new OcppError('GenericError', 'a'.repeat(254) + '😀');
    expect(error.description).toBe('a'.repeat(254));
  });

  it('refuses ids longer than 36 characters or empty (programming error)', () => {
    expect(() => serializeCall('x'.repeat(37), 'Heartbeat', {})).toThrow(RangeError);
    expect(() => serializeCallResult('', {})).toThrow(RangeError);
    expect(() => serializeCallError('x'.repeat(37), new OcppError('GenericError'))).toThrow(RangeError);
  });
});
