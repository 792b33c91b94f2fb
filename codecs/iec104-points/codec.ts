/** The registry's name for this folder's codec (see codecs/registry.ts). */
export { iec104PointsCodec as codec } from './index.js';
