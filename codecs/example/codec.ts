/** The template codec as registered in `codecs/registry.ts`: a toy protocol no charger speaks. */
import type { Codec } from '../codec.js';
import { loadExampleOptions, type ExampleOptions } from './options.js';
import { ExampleSession } from './session.js';

export const exampleCodec: Codec<ExampleOptions> = {
  name: 'example',
  description: 'the template for a new protocol (codecs/example/README.md): a toy protocol no charger speaks',
  loadOptions: loadExampleOptions,
  createSession: (context) => new ExampleSession(context),
};
