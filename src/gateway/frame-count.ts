/**
 * Counting the frames a charger sends. A codec session consumes raw TCP chunks and does not say
 * where its frames begin, so the gateway runs the codec's own framer beside it, only to count.
 * A codec missing here is counted per TCP chunk instead.
 */
import { YkcFramer } from '../../codecs/ykc/framer.js';
import { ApduFramer } from '../iec104/framer.js';

/** Returns how many whole frames a chunk completes (framing errors are not frames). */
export type FrameCounter = (chunk: Uint8Array) => number;

interface Framer {
  push(chunk: Uint8Array): Iterable<{ readonly kind: string }>;
}

const FRAMERS: Readonly<Record<string, () => Framer>> = {
  'iec104-points': () => new ApduFramer(),
  ykc: () => new YkcFramer(),
};

/** A counter with its own framer state, one per connection. */
export function frameCounter(codec: string): FrameCounter {
  const create = FRAMERS[codec];
  if (create === undefined) return () => 1;
  const framer = create();
  return (chunk) => {
    let n = 0;
    for (const item of framer.push(chunk)) if (item.kind === 'frame') n += 1;
    return n;
  };
}
