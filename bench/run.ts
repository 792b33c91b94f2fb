/** `npm run bench`: every benchmark of the project, printed as a table with its target. */
import { machine } from './harness.js';
import { benchGateway } from './gateway.js';
import { benchIec104, type Row } from './iec104.js';
import { benchIec104Points } from './iec104-points.js';
import { benchOcpp } from './ocpp.js';
import { benchTransactions } from './transactions.js';
import { benchYkc } from './ykc.js';

const rows: Row[] = [];
console.log(`pilegate benchmarks on ${machine()}`);
console.log('single-threaded, median of samples\n');
rows.push(...benchIec104());
rows.push(...benchIec104Points());
rows.push(...(await benchOcpp()));
rows.push(...(await benchTransactions()));
rows.push(...(await benchYkc()));
rows.push(...(await benchGateway()));
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) {
  const verdict = r.met === undefined ? '' : r.met ? `  target ${r.target}: met` : `  target ${r.target}: MISSED`;
  console.log(`${r.name.padEnd(width)}  ${r.value}${verdict}`);
}
