import type { Dims, ModelIR } from '../ir/model.js';
import { resolveDim } from '../ir/model.js';
import { putOwn } from '../ir/own.js';

/** mulberry32: a tiny seeded PRNG, so demo and CLI inputs are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform(-1, 1) inputs for every declared input of a model, from a seed. */
export function randomInputs(m: ModelIR, dims: Dims, seed = 1): Record<string, Float32Array> {
  const rand = seededRandom(seed);
  const out: Record<string, Float32Array> = {};
  for (const i of m.inputs) {
    const n = m.graph.node(i.node).shape.reduce<number>((p, d) => p * resolveDim(d, dims), 1);
    putOwn(out, i.name, Float32Array.from({ length: n }, () => rand() * 2 - 1));
  }
  return out;
}
