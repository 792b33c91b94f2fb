/** The YKC (云快充) codec as registered in `codecs/registry.ts`. */
import { ykcSimulator } from '../../src/simulator/ykc/factory.js';
import type { Codec } from '../codec.js';
import { loadYkcOptions } from './options.js';
import { YkcSession, type YkcOptions } from './session.js';
import { sniffYkc } from './sniff.js';
import { YKC_KEY_FLAG, ykcFrameTools, ykcTimeZone } from './tools.js';

export const ykcCodec: Codec<YkcOptions> = {
  name: 'ykc',
  description: 'YKC (云快充) charger protocol v1.5/1.6/1.7 over TCP',
  loadOptions: loadYkcOptions,
  optionsFile: { noun: 'YKC options file', required: false },
  createSession: (context) => new YkcSession(context),
  timeZone: ykcTimeZone,
  frameTools: ykcFrameTools,
  cliFlags: [YKC_KEY_FLAG],
  simulator: ykcSimulator,
  sniff: sniffYkc,
};

/** The registry's name for this folder's codec (see codecs/registry.ts). */
export { ykcCodec as codec };
