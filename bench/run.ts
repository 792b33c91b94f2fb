/**
 * `npm run bench`: every benchmark of the project, printed as a table with its target.
 * `npm run bench -- <name> [<name>...]` runs only the named ones.
 */
import { machine } from './harness.js';
import { benchGateway } from './gateway.js';
import { benchIec104, type Row } from './iec104.js';
import { benchIec104Points } from './iec104-points.js';
import { benchOcpp } from './ocpp.js';
import { benchTransactions } from './transactions.js';
import { benchSgcc104 } from './sgcc104.js';
import { benchYkc } from './ykc.js';

const BENCHMARKS: Readonly<Record<string, () => Row[] | Promise<Row[]>>> = {
  iec104: benchIec104,
  'iec104-points': benchIec104Points,
  ocpp: benchOcpp,
  transactions: benchTransactions,
  ykc: benchYkc,
  sgcc104: benchSgcc104,
  gateway: benchGateway,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

const rows: Row[] = [];
console.log(`pilegate benchmarks on ${machine()}`);
console.log('single-threaded, median of samples\n');
for (const [name, bench] of Object.entries(BENCHMARKS)) {
  if (wanted.length === 0 || wanted.includes(name)) rows.push(...(await bench()));
}
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) {
  const verdict = r.met === undefined ? '' : r.met ? `  target ${r.target}: met` : `  target ${r.target}: MISSED`;
  console.log(`${r.name.padEnd(width)}  ${r.value}${verdict}`);
}
