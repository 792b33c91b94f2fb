/** YKC (云快充) charger protocol v1.5 / v1.6 / v1.7: framer, frame catalogue, decoder and encoder. */
export * from './errors.js';
export * from './crc.js';
export * from './cipher.js';
export * from './bcd.js';
export * from './constants.js';
export * from './framer.js';
export {
  DEFAULT_TIME_ZONE,
  cardToString,
  timestamp,
  timestampFromDate,
  type CardFormat,
  type YkcCodecOptions,
  type YkcTimestamp,
} from './fields.js';
export * from './gbt-bits.js';
export * from './stop-reasons.js';
export type * from './messages/billing.js';
export type * from './messages/bms.js';
export type * from './messages/cards.js';
export type * from './messages/maintenance.js';
export type * from './messages/realtime.js';
export type * from './messages/record.js';
export type * from './messages/session.js';
export type * from './messages/settings.js';
export type * from './messages/start.js';
export type * from './types.js';
export { decodeYkcFrame, type YkcDecodeOptions } from './parser.js';
export { encodeYkcBody, encodeYkcFrame, encodeYkcReply, type YkcEncodeOptions } from './generator.js';
