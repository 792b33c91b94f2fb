/** Parsers of the GB/T 27930 relay frames 0x15-0x25 (docs/protocols/ykc.md §4, spec §7.3-7.10). */
import type { Parser } from 'binary-parser';
import type { BmsAbort, BmsDemand, BmsInfo, ChargerAbort, ChargingEnd, ChargingHandshake, ErrorReport, ParameterConfig } from '../messages/bms.js';
import { ascii, celsius, hex, scaled, uintLE } from '../fields.js';
import { BMS_ABORT_ERROR, BMS_ABORT_FAULT, BMS_ABORT_REASON, BMS_INFO_FLAGS, CHARGER_ABORT_ERROR, CHARGER_ABORT_FAULT, CHARGER_ABORT_REASON, ERROR_REPORT_LAYOUT } from '../gbt-bits.js';
import { bitsParser, compile, fixed, le, parseAt, txnPileGun, type BodyDecoder } from './common.js';

const deciVolt = scaled(10);
const centiVolt = scaled(100);
/** GB/T currents: 0.1 A per bit, -400 A offset. */
const gbtAmp = scaled(10, 4000);

const handshake = compile(
  txnPileGun(le())
    .buffer('bmsProtocolVersion', { length: 3, formatter: hex })
    .uint8('batteryType')
    .uint16('ratedCapacityAh', { formatter: scaled(10) })
    .uint16('ratedVoltageV', { formatter: deciVolt })
    .buffer('batteryManufacturer', { length: 4, formatter: ascii })
    .buffer('batteryPackSerial', { length: 4, formatter: hex })
    .uint8('productionYear', { formatter: scaled(1, -1985) })
    .uint8('productionMonth')
    .uint8('productionDay')
    .buffer('chargeCycles', { length: 3, formatter: uintLE })
    .uint8('ownership')
    .uint8('reserved')
    .buffer('vin', { length: 17, formatter: ascii })
    .buffer('bmsSoftwareVersion', { length: 8, formatter: hex }),
);

const config = compile(
  txnPileGun(le())
    .uint16('maxCellVoltageV', { formatter: centiVolt })
    .uint16('maxChargeCurrentA', { formatter: gbtAmp })
    .uint16('nominalEnergyKwh', { formatter: scaled(10) })
    .uint16('maxTotalVoltageV', { formatter: deciVolt })
    .uint8('maxTempC', { formatter: celsius })
    .uint16('socPercent', { formatter: scaled(10) })
    .uint16('batteryVoltageV', { formatter: deciVolt })
    .uint16('chargerMaxVoltageV', { formatter: deciVolt })
    .uint16('chargerMinVoltageV', { formatter: deciVolt })
    .uint16('chargerMaxCurrentA', { formatter: gbtAmp })
    .uint16('chargerMinCurrentA', { formatter: gbtAmp }),
);

const end = compile(
  txnPileGun(le())
    .uint8('endSocPercent')
    .uint16('minCellVoltageV', { formatter: centiVolt })
    .uint16('maxCellVoltageV', { formatter: centiVolt })
    .uint8('minTempC', { formatter: celsius })
    .uint8('maxTempC', { formatter: celsius })
    .uint16('chargeTimeMin')
    .uint16('outputEnergyKwh', { formatter: scaled(10) })
    .uint32('chargerNo'),
);

const errorReport = compile(
  ERROR_REPORT_LAYOUT.reduce<Parser>((p, layout) => {
    // Each status byte is parsed in place: its fields are read with seek(-1) between them.
    const byte = bitsParser(1, layout);
    return p.nest('', { type: byte });
  }, txnPileGun(le())),
);

const abort = (reason: Parser, fault: Parser, error: Parser): Parser => compile(txnPileGun(le()).nest('reason', { type: reason }).nest('fault', { type: fault }).nest('error', { type: error }));

const bmsAbort = abort(bitsParser(1, BMS_ABORT_REASON), bitsParser(2, BMS_ABORT_FAULT), bitsParser(1, BMS_ABORT_ERROR));
const chargerAbort = abort(bitsParser(1, CHARGER_ABORT_REASON), bitsParser(2, CHARGER_ABORT_FAULT), bitsParser(1, CHARGER_ABORT_ERROR));

const demand = compile(
  txnPileGun(le())
    .uint16('demandVoltageV', { formatter: deciVolt })
    .uint16('demandCurrentA', { formatter: gbtAmp })
    .uint8('chargeMode')
    .uint16('measuredVoltageV', { formatter: deciVolt })
    .uint16('measuredCurrentA', { formatter: gbtAmp })
    .uint16('maxCellVoltageV', { formatter: (w: number) => (w & 0x0fff) / 100 })
    .seek(-2)
    .uint16('maxCellVoltageGroup', { formatter: (w: number) => w >> 12 })
    .uint8('socPercent')
    .uint16('remainingTimeMin')
    .uint16('outputVoltageV', { formatter: deciVolt })
    .uint16('outputCurrentA', { formatter: gbtAmp })
    .uint16('chargeTimeMin'),
);

const infoHead = (p: Parser): Parser =>
  txnPileGun(p).uint8('maxCellVoltageIndex').uint8('maxTempC', { formatter: celsius }).uint8('maxTempProbe').uint8('minTempC', { formatter: celsius }).uint8('minTempProbe');

/** Spec layout: the eight flags as 2-bit fields of one word. */
const infoPacked = compile(infoHead(le()).nest('flags', { type: bitsParser(2, BMS_INFO_FLAGS) }));

/** JCPP layout: each flag a 2-byte word. */
const infoWords = compile(
  infoHead(le()).nest('flags', {
    type: BMS_INFO_FLAGS.reduce<Parser>((p, [name]) => p.uint16(name), le()),
  }),
);

/** Body length of the JCPP 0x25 layout (24 + 5 + 8 x 2). */
const BMS_INFO_WORDS_SIZE = 45;

export const decodeChargingHandshake: BodyDecoder<ChargingHandshake> = fixed(handshake, 73);
export const decodeParameterConfig: BodyDecoder<ParameterConfig> = fixed(config, 45);
export const decodeChargingEnd: BodyDecoder<ChargingEnd> = fixed(end, 39);
export const decodeErrorReport: BodyDecoder<ErrorReport> = fixed(errorReport, 32);
export const decodeBmsAbort: BodyDecoder<BmsAbort> = fixed(bmsAbort, 28);
export const decodeChargerAbort: BodyDecoder<ChargerAbort> = fixed(chargerAbort, 28);
export const decodeBmsDemand: BodyDecoder<BmsDemand> = fixed(demand, 44);

/** Branches on the body length (docs/protocols/ykc.md §9 #4): 45 bytes or more is the JCPP word layout. */
export const decodeBmsInfo: BodyDecoder<BmsInfo> = (body) => {
  const words = body.length >= BMS_INFO_WORDS_SIZE;
  const size = words ? BMS_INFO_WORDS_SIZE : 31;
  const raw = parseAt(words ? infoWords : infoPacked, body, size);
  const { flags, ...head } = raw;
  return { value: { ...head, flagLayout: words ? 'words' : 'packed', flags } as unknown as BmsInfo, size };
};
