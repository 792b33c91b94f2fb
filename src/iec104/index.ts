/** IEC 60870-5-104 as a small library: framer, APCI, ASDU codec (open to private types), CP56Time2a, link state machine. */
export * from './errors.js';
export * from './constants.js';
export * from './types.js';
export * from './apci.js';
export * from './framer.js';
export * from './cp56.js';
export { decodeAsdu, headerSize } from './asdu-parser.js';
export { encodeAsdu, MAX_ASDU_SIZE } from './asdu-generator.js';
export * from './apdu.js';
export * from './describe.js';
export { AsduTypeTable, decodePrivateAsduAt, encodePrivateAsdu, RecordReader, RecordWriter } from './private-types.js';
export type { ElementContext, PrivateAsdu, PrivateAsduHeader, PrivateObject, PrivateTypeLayout, PrivateTypes } from './private-types.js';
export * from './link.js';
