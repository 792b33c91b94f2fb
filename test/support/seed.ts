/**
 * One seed per test file for everything random in it: fast-check properties (`{ seed }` in
 * `fc.assert`, whose failure report then names it) and seeded draws such as kill points
 * (`seededRandom`). The seed comes from `PILEGATE_SEED`, or a fresh one, and is printed once per
 * file, so any failing run can be replayed: `PILEGATE_SEED=<seed> npx vitest run <test file>`.
 */

const ENV = 'PILEGATE_SEED';

/** The seed of this run, printed under `label` (the test file's name). */
export function testSeed(label: string): number {
  const given = process.env[ENV];
  let seed: number;
  if (given !== undefined && given !== '') {
    seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`${ENV}=${given} is not an integer`);
  } else {
    // Not from seededRandom: the point is a seed that differs between runs.
    seed = Math.floor(Math.random() * 2 ** 31);
  }
  console.log(`${label}: seed ${seed} (${ENV}=${seed} replays this run)`);
  return seed;
}

/** mulberry32: a small seeded generator of [0, 1), so that a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
