/**
 * A listener of the gateway config (`listeners:`): one port, and either one codec (`codec:` with
 * its `mapping:`) or several told apart by each connection's first bytes (`codecs:`, each with
 * its own `mapping:`, and the `detect:` limits). Both forms become the same list of codecs.
 */
import type { ConfigDocument, PointerIssue } from '../config/document.js';
import { DEFAULT_DETECT_LIMITS, type DetectLimits } from './protocol-detect.js';

/** One protocol a listener serves. */
export interface ListenerCodec {
  readonly codec: string;
  /** The codec's options file, resolved against the config file's directory. */
  readonly mapping?: string;
  /** Where the codec is named in the config file (JSON pointer, line, column), for the errors the gateway finds at start. */
  readonly pointer: string;
  readonly line?: number;
  readonly column?: number;
}

export interface ListenerConfig {
  readonly port: number;
  readonly host?: string;
  /** One codec (`codec:`), or several (`codecs:`), in the order written. */
  readonly codecs: readonly ListenerCodec[];
  /** With several codecs: how long and how many bytes a connection's first bytes are held. */
  readonly detect?: DetectLimits;
  readonly timeZone?: string;
}

/** A listener as written in the file. */
export interface RawListenerConfig {
  readonly port: number;
  readonly host?: string;
  readonly codec?: string;
  readonly mapping?: string;
  readonly codecs?: readonly { readonly codec: string; readonly mapping?: string }[];
  readonly detect?: Partial<DetectLimits>;
  readonly timeZone?: string;
}

/** The listener at `/listeners/<i>`; what is wrong with it goes to `issues`. */
export function listenerConfig(raw: RawListenerConfig, i: number, doc: ConfigDocument, rel: (path: string) => string, issues: PointerIssue[]): ListenerConfig {
  const at = `/listeners/${i}`;
  const entry = (codec: string, mapping: string | undefined, pointer: string): ListenerCodec => ({
    codec,
    ...(mapping !== undefined ? { mapping: rel(mapping) } : {}),
    pointer,
    ...doc.locate(pointer),
  });
  let codecs: ListenerCodec[];
  if (raw.codecs !== undefined) {
    if (raw.codec !== undefined) issues.push({ pointer: `${at}/codec`, reason: 'a listener names one codec (codec) or several (codecs), not both' });
    if (raw.mapping !== undefined) issues.push({ pointer: `${at}/mapping`, reason: 'with codecs, each entry names its own mapping' });
    codecs = raw.codecs.map((c, j) => entry(c.codec, c.mapping, `${at}/codecs/${j}/codec`));
    codecs.forEach((c, j) => {
      if (codecs.findIndex((o) => o.codec === c.codec) < j) issues.push({ pointer: c.pointer, reason: `codec ${JSON.stringify(c.codec)} is named twice on this listener` });
    });
  } else if (raw.codec !== undefined) {
    if (raw.detect !== undefined) issues.push({ pointer: `${at}/detect`, reason: 'detect applies to a listener with several codecs (codecs)' });
    codecs = [entry(raw.codec, raw.mapping, `${at}/codec`)];
  } else {
    issues.push({ pointer: at, reason: 'a listener needs codec (the protocol of its chargers) or codecs (several, told apart by their first bytes)' });
    codecs = [];
  }
  return {
    port: raw.port,
    ...(raw.host !== undefined ? { host: raw.host } : {}),
    codecs,
    ...(codecs.length > 1 ? { detect: { ...DEFAULT_DETECT_LIMITS, ...raw.detect } } : {}),
    ...(raw.timeZone !== undefined ? { timeZone: raw.timeZone } : {}),
  };
}
