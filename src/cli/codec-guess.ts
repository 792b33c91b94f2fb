/**
 * Which other protocol some bytes look like, when the codec the user named cannot read them
 * (`pilegate decode`, `replay`): each registered codec judges the bytes with its `sniff`, weighed
 * as a gateway weighs a charger on a port of another protocol (src/gateway/protocol-detect.ts).
 */
import type { Codec } from '../../codecs/codec.js';
import { allCodecs } from '../../codecs/registry.js';
import { mismatch, type Sniffer } from '../gateway/protocol-detect.js';

function sniffer(codec: Codec<unknown>, options: unknown): Sniffer {
  return { name: codec.name, sniff: (head) => codec.sniff?.(head, options) ?? 'no' };
}

/**
 * The names of the other codecs whose `sniff` claims one of `heads` (the first bytes of a stream:
 * a frame given to `decode`, one direction of a capture), in registry order; empty when `codec`
 * claims them itself or no other codec does. `options` are `codec`'s own, when loaded.
 */
export function otherCodecsClaiming(codec: Codec<unknown>, heads: readonly Uint8Array[], options?: unknown): string[] {
  const others = allCodecs().filter((c) => c.name !== codec.name && c.sniff !== undefined);
  const claimed = new Set<string>();
  for (const head of heads) {
    if (head.length === 0) continue;
    const m = mismatch(
      sniffer(codec, options),
      others.map((c) => sniffer(c, undefined)),
      head,
      true,
    );
    if (m.kind === 'done') for (const name of m.speaks) claimed.add(name);
  }
  return others.map((c) => c.name).filter((name) => claimed.has(name));
}

/** `try --codec ykc`, or `try --codec ykc or --codec sgcc104`. */
export function tryCodecs(names: readonly string[]): string {
  return `try ${names.map((n) => `--codec ${n}`).join(' or ')}`;
}
