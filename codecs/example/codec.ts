/** The template codec as registered in `codecs/registry.ts`: a toy protocol no charger speaks. */
import type { Codec } from '../codec.js';
import { loadExampleOptions, type ExampleOptions } from './options.js';
import { ExampleSession } from './session.js';
import { sniffExample } from './sniff.js';
import { exampleFrameTools, exampleTimeZone } from './tools.js';

export const codec: Codec<ExampleOptions> = {
  name: 'example',
  description: 'the template for a new protocol (codecs/example/README.md): a toy protocol no charger speaks',
  loadOptions: loadExampleOptions,
  optionsFile: { noun: 'example options file', required: false },
  createSession: (context) => new ExampleSession(context),
  timeZone: exampleTimeZone,
  frameTools: exampleFrameTools,
  sniff: sniffExample,
};
