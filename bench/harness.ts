/**
 * A small batched benchmark harness: each sample runs the operation in a tight loop for about
 * `sampleMs`, so the timer's own cost is spread over thousands of calls (per-call timing, as
 * general-purpose bench libraries do, would dominate sub-microsecond operations). Reports the median
 * of the samples.
 */
import { cpus, totalmem } from 'node:os';

export interface Result {
  readonly name: string;
  /** Median operations per second. */
  readonly opsPerSec: number;
  readonly samples: number;
}

/** Prevents the optimiser from discarding results. */
export let sink: unknown;

export function measure(name: string, op: () => unknown, options: { samples?: number; sampleMs?: number } = {}): Result {
  const samples = options.samples ?? 7;
  const sampleMs = options.sampleMs ?? 400;
  // Warm-up: let the JIT settle and size the batch to roughly 10 ms.
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = op();
    if (performance.now() - t0 > 10) break;
    batch *= 2;
  }
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    let ops = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < sampleMs) {
      for (let i = 0; i < batch; i++) sink = op();
      ops += batch;
      t = performance.now();
    }
    rates.push(ops / ((t - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { name, opsPerSec: rates[Math.floor(rates.length / 2)] as number, samples };
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

/**
 * Measures two operations in alternating samples, so that drift (frequency scaling, a busy
 * neighbour, GC) hits both alike; returns the median of the per-pair ratios a/b.
 */
export function compare(a: () => unknown, b: () => unknown, pairs = 9, sampleMs = 250): { a: number; b: number; ratio: number } {
  const ra: number[] = [];
  const rb: number[] = [];
  const ratios: number[] = [];
  measure('warm a', a, { samples: 1, sampleMs: 100 });
  measure('warm b', b, { samples: 1, sampleMs: 100 });
  for (let i = 0; i < pairs; i++) {
    const x = measure('a', a, { samples: 1, sampleMs }).opsPerSec;
    const y = measure('b', b, { samples: 1, sampleMs }).opsPerSec;
    ra.push(x);
    rb.push(y);
    ratios.push(x / y);
  }
  const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)] as number;
  return { a: median(ra), b: median(rb), ratio: median(ratios) };
}
