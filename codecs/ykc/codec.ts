/** The YKC (云快充) codec as registered in `codecs/registry.ts`. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { Codec } from '../codec.js';
import { loadStopReasonMap, parseStopReasonMap } from './stop-reason-map.js';
import { YkcSession, type YkcOptions } from './session.js';

/** Options from configuration: `value` (an object) or `file` (YAML/JSON); `stopReasonsFile` overrides the shipped mapping. */
async function loadYkcOptions(source: { readonly file?: string; readonly value?: unknown }): Promise<YkcOptions> {
  let raw: unknown = source.value ?? {};
  if (source.file !== undefined) raw = parse(await readFile(source.file, 'utf8')) ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('ykc options must be a mapping');
  const o = raw as YkcOptions & { stopReasonsFile?: unknown; stopReasons?: unknown };
  if (o.cardFormat !== undefined && o.cardFormat !== 'hex' && o.cardFormat !== 'int64le') throw new TypeError(`ykc cardFormat must be hex or int64le`);
  const { stopReasonsFile, stopReasons, ...rest } = o;
  const map =
    typeof stopReasonsFile === 'string'
      ? await loadStopReasonMap(stopReasonsFile)
      : stopReasons !== undefined
        ? parseStopReasonMap(JSON.stringify(stopReasons), '<inline stopReasons>')
        : await loadStopReasonMap();
  return { ...rest, stopReasons: map };
}

export const ykcCodec: Codec<YkcOptions> = {
  name: 'ykc',
  description: 'YKC (云快充) charger protocol v1.5/1.6/1.7 over TCP',
  loadOptions: loadYkcOptions,
  createSession: (context) => new YkcSession(context),
};
