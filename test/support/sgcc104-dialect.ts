/**
 * Family-B dialects built as objects, for the engine's unit tests (the YAML catalogues under
 * `mappings/sgcc104/` are the loader's). `testDialect('b1')` is shaped like B1 (one-octet length,
 * no IOA in private ASDUs, the `68 01 02` login), `testDialect('b3')` like B3 (two-octet length,
 * seven-octet U-frames, IOA, digit-reversed ids); `checksum: true` adds B2's sum16le.
 */
import type { Dialect, FieldSpec, Framing, RecordSpec } from '../../codecs/sgcc104/catalogue.js';

const ID: FieldSpec = { name: 'chargerId', encoding: 'bcd', octets: 8, role: 'chargerId' };
const GUN: FieldSpec = { name: 'gun', encoding: 'uint', octets: 1, role: 'connector' };

function records(reversed: boolean): RecordSpec[] {
  const id: FieldSpec = reversed ? { ...ID, order: 'reversed' } : ID;
  return [
    {
      name: 'authRequest',
      type: 0x82,
      record: [0x01],
      cause: 3,
      meaning: 'authorizationRequest',
      answer: 'authResult',
      fields: [
        id,
        GUN,
        { name: 'card', encoding: 'bcd', octets: 8, role: 'idToken', order: reversed ? 'reversed' : 'forward' },
        { name: 'password', encoding: 'ascii', octets: 6, role: 'password', secret: true },
        { name: 'spare', encoding: 'reserved', octets: 2 },
      ],
    },
    {
      name: 'authResult',
      type: 0x85,
      record: [0x02],
      cause: 7,
      meaning: 'authorizationResult',
      fields: [
        id,
        GUN,
        { name: 'balance', encoding: 'uint', octets: 4, scale: 0.01, unit: 'yuan', role: 'balance' },
        { name: 'success', encoding: 'uint', octets: 1, role: 'accepted', values: 'accepted' },
        { name: 'reason', encoding: 'uint', octets: 2, role: 'failReason', values: 'failReason' },
      ],
    },
    {
      name: 'chargeRecord',
      type: 0x82,
      record: [0x11, 0x12, 0x13, 0x14],
      meaning: 'chargeRecord',
      endReasonFromRecordType: 'endReason',
      answer: 'recordConfirm',
      fields: [
        { name: 'serial', encoding: 'bcd', octets: 16, role: 'transactionId' },
        id,
        { name: 'start', encoding: 'cp56', role: 'startTime' },
        { name: 'end', encoding: 'cp56', role: 'endTime' },
        { name: 'tipEnergy', encoding: 'uint', octets: 4, scale: 0.01, unit: 'kWh', role: 'periodEnergy', period: 'tip' },
        { name: 'peakEnergy', encoding: 'uint', octets: 4, scale: 0.01, unit: 'kWh', role: 'periodEnergy', period: 'peak' },
        { name: 'energy', encoding: 'uint', octets: 4, scale: 0.01, unit: 'kWh', role: 'energy' },
        { name: 'vin', encoding: 'ascii', octets: 17 },
      ],
    },
    {
      name: 'recordConfirm',
      type: 0x85,
      record: [0x03],
      meaning: 'recordConfirm',
      fields: [id, { name: 'serial', encoding: 'bcd', octets: 16, role: 'transactionId' }, { name: 'result', encoding: 'uint', octets: 1, role: 'result', value: 1 }],
    },
    {
      name: 'monitoring',
      type: 0x86,
      record: [0x01],
      cause: 3,
      meaning: 'monitoring',
      fields: [
        id,
        GUN,
        { name: 'state', encoding: 'bcd', octets: 2, role: 'workState', values: 'workState' },
        { name: 'voltage', encoding: 'uint', octets: 2, scale: 0.1, unit: 'V', role: 'voltage' },
        { name: 'overVoltage', encoding: 'uint', octets: 1, role: 'fault', fault: { code: 'overVoltage', severity: 'error' } },
        { name: 'estop', encoding: 'uint', octets: 1, role: 'fault', fault: { code: 'emergencyStop', severity: 'critical' } },
      ],
    },
    {
      name: 'billingModel',
      type: 0x85,
      record: [0x06],
      meaning: 'billingModel',
      fields: [
        id,
        { name: 'modelId', encoding: 'bcd', octets: 8, role: 'billingModelId' },
        { name: 'count', encoding: 'uint', octets: 1, role: 'periodCount' },
        {
          name: 'periods',
          encoding: 'group',
          count: 'count',
          maxCount: 4,
          fields: [
            { name: 'from', encoding: 'bcd', octets: 2, role: 'periodStart' },
            { name: 'slot', encoding: 'uint', octets: 1, role: 'periodSlot' },
            { name: 'price', encoding: 'uint', octets: 4, scale: 0.00001, unit: 'yuan/kWh', role: 'energyPrice' },
          ],
        },
      ],
    },
    {
      name: 'stop',
      type: 0x45,
      record: 'none',
      cause: 6,
      meaning: 'remoteStop',
      fields: [
        { name: 'ioa', encoding: 'reserved', octets: 3 },
        { name: 'command', encoding: 'uint', octets: 1, value: 1 },
      ],
    },
  ];
}

export function testDialect(shape: 'b1' | 'b3', options: { checksum?: boolean } = {}): Dialect {
  const b1 = shape === 'b1';
  const framing: Framing = {
    lengthOctets: b1 ? 1 : 2,
    uFrameOctets: b1 ? 6 : 7,
    checksum: options.checksum === true ? 'sum16le' : 'none',
    privateIoa: !b1,
    cotOctets: 2,
    caOctets: 2,
    ioaOctets: 3,
    commonAddress: 0,
    ioa: 0,
  };
  return {
    name: `test-${shape}`,
    title: `a ${shape}-shaped test dialect`,
    framing,
    login: b1
      ? {
          prefix: [0x68, 0x01, 0x02],
          octets: 25,
          answer: 'echo',
          fields: [ID, { name: 'zeros', encoding: 'reserved', octets: 8 }, { name: 'address', encoding: 'uint', octets: 2 }, { name: 'version', encoding: 'bytes', octets: 4 }],
        }
      : {
          prefix: [0x68, 0x16, 0x00, 0xff, 0x02],
          octets: 25,
          answer: 'echo',
          fields: [
            { name: 'modelId', encoding: 'bcd', octets: 8 },
            { ...ID, order: 'reversed' },
            { name: 'guns', encoding: 'uint', octets: 1 },
            { name: 'flags', encoding: 'bytes', octets: 1 },
            { name: 'vendor', encoding: 'bcd', octets: 2 },
          ],
        },
    link: { startDt: true, clockSync: true, interrogate: false },
    types: new Map([
      [0x82, { name: 'M_RE_NA', direction: 'up' }],
      [0x85, { name: 'C_RE_NA', direction: 'down' }],
      [0x86, { name: 'M_RT_NA', direction: 'up' }],
      [0x45, { name: 'C_STOP', direction: 'down' }],
    ]),
    records: records(!b1),
    values: new Map([
      [
        'workState',
        new Map([
          [1, 'faulted'],
          [2, 'available'],
          [3, 'charging'],
          [4, 'finishing'],
        ]),
      ],
      [
        'endReason',
        new Map([
          [0x11, 'evDisconnected'],
          [0x12, 'socLimitReached'],
          [0x13, 'remote'],
          [0x14, 'other'],
        ]),
      ],
      [
        'accepted',
        new Map([
          [1, 'accepted'],
          [0, 'rejected'],
        ]),
      ],
      [
        'failReason',
        new Map([
          [0, 'Accepted'],
          [1, 'NoCredit'],
          [3, 'Invalid'],
          [4, 'Blocked'],
          [9, 'default'],
        ]),
      ],
    ]),
    connectors: 1,
    currentType: 'AC',
    connectorBase: 1,
  };
}
