/**
 * IEC 104 throughput: decoding three reference frames into objects, and the framer over a long
 * stream of mixed frames. Targets (issue: foundation) on a 2-core machine, single-threaded:
 * >= 1,000,000 frames/s for the 92-byte 10 x M_ME_NC_1, framer >= 200 MB/s.
 */
import { ApduFramer, cp56FromDate, decodeApdu, encodeApdu, encodeSFrame, encodeUFrame, TI, type Apdu, type FramerItem } from '../src/iec104/index.js';
import { fmt, measure } from './harness.js';

const header = { sq: false, negative: false, test: false, originator: 0, commonAddress: 1 } as const;
const time = cp56FromDate(new Date('2026-11-25T08:00:00Z'), 'Asia/Shanghai');

function iframe(asdu: Apdu['asdu']): Buffer {
  return encodeApdu({ apci: { format: 'I', ns: 7, nr: 3 }, asdu });
}

export const frames = {
  giC_IC_NA_1: iframe({ ...header, typeId: TI.C_IC_NA_1, cause: 6, objects: [{ ioa: 0, qoi: 20 }] }),
  tenM_ME_NC_1: iframe({
    ...header,
    typeId: TI.M_ME_NC_1,
    cause: 3,
    objects: Array.from({ length: 10 }, (_, i) => ({ ioa: 0x4001 + i, value: 220 + i * 1.5, quality: 0 })),
  }),
  tenM_ME_TF_1: iframe({
    ...header,
    typeId: TI.M_ME_TF_1,
    cause: 3,
    objects: Array.from({ length: 10 }, (_, i) => ({ ioa: 0x4001 + i, value: 220 + i * 1.5, quality: 0, time })),
  }),
};

export interface Row {
  name: string;
  value: string;
  target?: string;
  met?: boolean;
}

export function benchIec104(): Row[] {
  const rows: Row[] = [];
  const sizes = { giC_IC_NA_1: 16, tenM_ME_NC_1: 92, tenM_ME_TF_1: 162 } as const;
  for (const [key, frame] of Object.entries(frames) as [keyof typeof frames, Buffer][]) {
    if (frame.length !== sizes[key]) throw new Error(`${key} is ${frame.length} bytes, expected ${sizes[key]}`);
    const check = decodeApdu(frame);
    if (!check.ok) throw new Error(`${key} does not decode: ${check.error.code}`);
    const r = measure(key, () => decodeApdu(frame));
    const target = key === 'tenM_ME_NC_1' ? 1_000_000 : undefined;
    rows.push({
      name: `decode ${frame.length}-byte ${label(key)} into objects`,
      value: `${fmt(r.opsPerSec)} frames/s (${((r.opsPerSec * frame.length) / 1e6).toFixed(0)} MB/s)`,
      ...(target !== undefined ? { target: `>= ${fmt(target)} frames/s`, met: r.opsPerSec >= target } : {}),
    });
  }

  // A long stream of mixed frames: data I-frames, S-acks, TESTFR, delivered in 64 KiB TCP-like chunks.
  const mix = Buffer.concat([frames.tenM_ME_NC_1, frames.giC_IC_NA_1, encodeSFrame(12), frames.tenM_ME_TF_1, encodeUFrame('TESTFR_ACT'), frames.tenM_ME_NC_1]);
  const stream = Buffer.concat(Array.from({ length: Math.ceil((32 * 2 ** 20) / mix.length) }, () => mix));
  const chunkSize = 64 * 1024;
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += chunkSize) chunks.push(stream.subarray(at, at + chunkSize));
  const framesPerPass = (stream.length / mix.length) * 6;
  const out: FramerItem[] = [];
  const framer = new ApduFramer();
  const pass = (): number => {
    let n = 0;
    for (const c of chunks) {
      out.length = 0;
      framer.pushTo(c, out);
      n += out.length;
    }
    if (n !== framesPerPass) throw new Error(`framer produced ${n} frames, expected ${framesPerPass}`);
    return n;
  };
  const fr = measure('framer', pass, { samples: 5, sampleMs: 1000 });
  const mbps = (fr.opsPerSec * stream.length) / 1e6;
  rows.push({
    name: `framer over a ${(stream.length / 2 ** 20).toFixed(0)} MiB stream of mixed frames, 64 KiB chunks`,
    value: `${mbps.toFixed(0)} MB/s (${fmt(fr.opsPerSec * framesPerPass)} frames/s)`,
    target: '>= 200 MB/s',
    met: mbps >= 200,
  });

  // Framer + decoder together, as a charger connection runs them.
  const firstMiB = chunks.slice(0, 16);
  const fd = measure(
    'framer+decode',
    () => {
      let n = 0;
      framer.reset();
      for (const c of firstMiB) {
        out.length = 0;
        framer.pushTo(c, out);
        for (const item of out) if (item.kind === 'frame' && decodeApdu(item.frame).ok) n++;
      }
      return n;
    },
    { samples: 5, sampleMs: 1000 },
  );
  rows.push({ name: 'framer + decode, same stream (first 1 MiB)', value: `${((fd.opsPerSec * 16 * chunkSize) / 1e6).toFixed(0)} MB/s` });
  return rows;
}

function label(key: keyof typeof frames): string {
  return key === 'giC_IC_NA_1' ? 'C_IC_NA_1' : key === 'tenM_ME_NC_1' ? '10 x M_ME_NC_1' : '10 x M_ME_TF_1';
}
