import type { OCPP20 } from 'typed-ocpp';
import * as ocaSchemas from 'typed-ocpp/dist/ocpp20/schemas.js';
import { Action as TypedOcppAction, ErrorCode as TypedOcppErrorCode } from 'typed-ocpp/dist/ocpp20/utils.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CSMS_ACTIONS,
  OCPP201_ACTIONS,
  STATION_ACTIONS,
  isCsmsAction,
  isOcppAction,
  isStationAction,
  type CsmsAction,
  type RequestOf,
  type ResponseOf,
  type StationAction,
} from '../../../src/ocpp/actions.js';
import { OCPP_ERROR_CODES, OcppError } from '../../../src/ocpp/errors.js';
import { KEYWORD_ERROR_CODES, compileAll, errorCodeForKeyword, isOcppDateTime, ocppTimestamp, validateRequest, validateResponse } from '../../../src/ocpp/schemas.js';

const STATUS = {
  timestamp: '2024-01-01T10:00:00.000Z',
  connectorStatus: 'Available',
  evseId: 1,
  connectorId: 1,
};

describe('action lists', () => {
  it('name exactly the 64 actions typed-ocpp has schemas and an Action enum for', () => {
    const fromSchemas = Object.keys(ocaSchemas)
      .filter((name) => name.endsWith('Request'))
      .map((name) => name.slice(0, -'Request'.length))
      .sort();
    expect(OCPP201_ACTIONS).toHaveLength(64);
    expect([...OCPP201_ACTIONS]).toEqual(fromSchemas);
    expect([...OCPP201_ACTIONS]).toEqual(Object.values(TypedOcppAction).sort());
  });

  it('split by direction with DataTransfer as the only action going both ways', () => {
    const both = STATION_ACTIONS.filter((a) => (CSMS_ACTIONS as readonly string[]).includes(a));
    expect(both).toEqual(['DataTransfer']);
    expect(STATION_ACTIONS.length + CSMS_ACTIONS.length - both.length).toBe(64);
    expect(isStationAction('BootNotification')).toBe(true);
    expect(isCsmsAction('BootNotification')).toBe(false);
    expect(isCsmsAction('GetVariables')).toBe(true);
    expect(isOcppAction('StartTransaction')).toBe(false); // a 1.6 action
    expect(isOcppAction('bootNotification')).toBe(false); // case-sensitive
  });

  it('map each action to the payload types typed-ocpp generates', () => {
    expectTypeOf<RequestOf<'BootNotification'>>().toEqualTypeOf<OCPP20.BootNotificationRequest>();
    expectTypeOf<ResponseOf<'GetVariables'>>().toEqualTypeOf<OCPP20.GetVariablesResponse>();
    expectTypeOf<'Heartbeat'>().toExtend<StationAction>();
    expectTypeOf<'Reset'>().toExtend<CsmsAction>();
    expectTypeOf<'Reset'>().not.toExtend<StationAction>();
  });
});

describe('error codes', () => {
  it('are the twelve of Part 4 Table 8; typed-ocpp differs only by its 1.6 spelling FormationViolation', () => {
    expect(OCPP_ERROR_CODES).toHaveLength(12);
    const theirs = Object.values(TypedOcppErrorCode) as string[];
    expect(OCPP_ERROR_CODES.filter((c) => !theirs.includes(c))).toEqual(['FormatViolation']);
    expect(theirs.filter((c) => !(OCPP_ERROR_CODES as readonly string[]).includes(c))).toEqual(['FormationViolation']);
  });
});

describe('schemas', () => {
  it('compile all 128 OCA schemas (64 actions × request/response) with the pinned ajv settings', () => {
    expect(compileAll()).toBe(128);
  });

  it('accept a valid payload, and extra keys inside customData only', () => {
    expect(validateRequest('StatusNotification', STATUS)).toBeUndefined();
    expect(validateRequest('StatusNotification', { ...STATUS, customData: { vendorId: 'acme', extra: [1] } })).toBeUndefined();
    expect(validateRequest('Heartbeat', {})).toBeUndefined();
  });

  it('answer NotImplemented for an action outside OCPP 2.0.1', () => {
    const error = validateRequest('StartTransaction', {});
    expect(error).toBeInstanceOf(OcppError);
    expect(error?.code).toBe('NotImplemented');
  });

  const cases: [string, string, unknown, string, string][] = [
    ['required', 'StatusNotification', { connectorStatus: 'Available', evseId: 1, connectorId: 1 }, 'OccurrenceConstraintViolation', 'timestamp'],
    ['minItems', 'GetVariables', { getVariableData: [] }, 'OccurrenceConstraintViolation', '/getVariableData'],
    [
      'maxItems',
      'GetChargingProfiles',
      { requestId: 1, chargingProfile: { chargingLimitSource: ['EMS', 'Other', 'SO', 'CSO', 'EMS'] } },
      'OccurrenceConstraintViolation',
      '/chargingProfile/chargingLimitSource',
    ],
    ['type', 'StatusNotification', { ...STATUS, evseId: '1' }, 'TypeConstraintViolation', '/evseId'],
    ['enum', 'StatusNotification', { ...STATUS, connectorStatus: 'available' }, 'FormatViolation', '/connectorStatus'],
    ['format', 'StatusNotification', { ...STATUS, timestamp: '2024-01-01T10:00:00' }, 'FormatViolation', '/timestamp'],
    [
      'maxLength',
      'TransactionEvent',
      {
        eventType: 'Started',
        timestamp: STATUS.timestamp,
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId: 'x'.repeat(37) },
      },
      'FormatViolation',
      '/transactionInfo/transactionId',
    ],
    ['additionalProperties', 'StatusNotification', { ...STATUS, status: 'Available' }, 'PropertyConstraintViolation', 'status'],
    [
      'maximum',
      'NotifyEVChargingNeeds',
      {
        evseId: 1,
        chargingNeeds: {
          requestedEnergyTransfer: 'DC',
          dcChargingParameters: { evMaxCurrent: 100, evMaxVoltage: 400, stateOfCharge: 101 },
        },
      },
      'PropertyConstraintViolation',
      '/chargingNeeds/dcChargingParameters/stateOfCharge',
    ],
  ];

  it.each(cases)('map ajv keyword %s to the Part 4 code', (keyword, action, payload, code, mentions) => {
    const error = validateRequest(action, payload);
    expect(error?.code).toBe(code);
    expect(error?.details).toMatchObject({ errors: [expect.objectContaining({ keyword })] });
    expect(error?.description).toContain(`${action}Request`);
    expect(error?.description).toContain(mentions);
    expect(error?.description.length).toBeLessThanOrEqual(255);
  });

  it('check responses against the response schema', () => {
    expect(validateResponse('Heartbeat', { currentTime: STATUS.timestamp })).toBeUndefined();
    expect(validateResponse('Heartbeat', {})?.code).toBe('OccurrenceConstraintViolation');
    expect(validateResponse('BootNotification', { currentTime: STATUS.timestamp, interval: 300, status: 'accepted' })?.code).toBe('FormatViolation');
  });

  it('keep the keyword table on 2.0.1 spellings, with a FormatViolation fallback', () => {
    for (const code of Object.values(KEYWORD_ERROR_CODES)) expect(OCPP_ERROR_CODES).toContain(code);
    expect(errorCodeForKeyword('required')).toBe('OccurrenceConstraintViolation');
    expect(errorCodeForKeyword('somethingNew')).toBe('FormatViolation');
  });
});

describe('date-time', () => {
  it.each([
    ['2024-01-01T10:00:00Z', true],
    ['2024-01-01T10:00:00.1Z', true],
    ['2024-01-01T10:00:00.123Z', true],
    ['2024-01-01T10:00:00.123+02:00', true],
    ['2024-02-29T23:59:59-05:30', true],
    ['2024-01-01T10:00:00', false], // no zone
    ['2024-01-01 10:00:00Z', false], // space separator
    ['2024-01-01t10:00:00z', false], // lower case
    ['2024-01-01T10:00:00.123456Z', false], // more than 3 fractional digits
    ['2024-01-01T10:00:00+02', false], // offset without minutes
    ['2024-01-01T10:00:00+0200', false], // offset without colon
    ['2023-02-29T10:00:00Z', false], // not a leap year
    ['2024-01-01T24:00:00Z', false],
    ['2024-01-01', false],
  ])('%s → %s', (value, ok) => {
    expect(isOcppDateTime(value)).toBe(ok);
    const error = validateRequest('StatusNotification', { ...STATUS, timestamp: value });
    expect(error === undefined).toBe(ok);
    if (!ok) expect(error?.code).toBe('FormatViolation');
  });

  it('apply only where the schema says date-time', () => {
    // DataTransfer.data is free-form: a zone-less timestamp in it is not our business.
    expect(validateRequest('DataTransfer', { vendorId: 'acme', data: '2024-01-01 10:00:00' })).toBeUndefined();
  });
});

describe('ocppTimestamp', () => {
  it('always emits UTC with milliseconds and Z', () => {
    expect(ocppTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5, 6))).toBe('2024-01-02T03:04:05.006Z');
    expect(ocppTimestamp(new Date('2024-06-01T12:00:00+02:00'))).toBe('2024-06-01T10:00:00.000Z');
    expect(isOcppDateTime(ocppTimestamp(Date.now()))).toBe(true);
  });

  it('refuses dates RFC 3339 cannot carry', () => {
    expect(() => ocppTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => ocppTimestamp(Date.UTC(10000, 0, 1))).toThrow(RangeError);
  });
});
