/**
 * Canonical-event cost of the IEC 104 point-table codec: decoding an ASDU into canonical events
 * (decode + mapping + connector state) against decoding it into ASDU objects alone.
 * Target (issue: canonical model): within 2x.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMapping } from '../codecs/iec104-points/load-mapping.js';
import { Iec104PointsSession } from '../codecs/iec104-points/session.js';
import { COT, decodeAsdu, encodeAsdu, TI, type Asdu } from '../src/iec104/index.js';
import { countingContext } from './support/codec-context.js';
import { compare, fmt } from './harness.js';
import type { Row } from './iec104.js';

export function benchIec104Points(): Row[] {
  const file = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
  const mapping = parseMapping(readFileSync(file, 'utf8'), file);
  const counting = countingContext({ mapping });
  const session = new Iec104PointsSession(counting.context);
  const header = { sq: false, negative: false, test: false, originator: 0, commonAddress: 7, cause: COT.SPONTANEOUS } as const;
  const cases: [string, Asdu][] = [
    [
      '6 x M_ME_NC_1 (V, A, kW on two guns)',
      {
        ...header,
        typeId: TI.M_ME_NC_1,
        objects: [0x4002, 0x4003, 0x4004, 0x4012, 0x4013, 0x4014].map((ioa, i) => ({ ioa, value: 100 + i * 10.5, quality: 0 })),
      },
    ],
    ['4 x M_SP_NA_1 fault bits', { ...header, typeId: TI.M_SP_NA_1, objects: [1, 2, 3, 4].map((ioa) => ({ ioa, value: false, quality: 0 })) }],
  ];
  const rows: Row[] = [];
  for (const [name, asdu] of cases) {
    const bytes = encodeAsdu(asdu);
    session.interpretAsdu(bytes);
    counting.reset();
    session.interpretAsdu(bytes);
    const perAsdu = counting.events();
    const r = compare(
      () => decodeAsdu(bytes),
      () => session.interpretAsdu(bytes),
    );
    const ratio = r.ratio;
    rows.push({
      name: `ASDU ${name}: to objects / to canonical events (${perAsdu} event(s) each)`,
      value: `${fmt(r.a)} / ${fmt(r.b)} ASDUs/s = ${ratio.toFixed(2)}x`,
      target: '<= 2x',
      met: ratio <= 2,
    });
  }
  return rows;
}
