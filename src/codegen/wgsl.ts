import { wgslPrelude } from '../ir/ops.js';

/**
 * Small helpers for printing WGSL. Kernels take their sizes from a uniform block so one pipeline
 * serves every binding of the symbolic dims; the block is a flat list of u32 packed into vec4s
 * (uniform arrays need a 16-byte element stride).
 */
export class Uniforms {
  private readonly values: number[] = [];
  /** Appends a value and returns the WGSL expression that reads it. */
  push(v: number): string {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniform value ${v} is not a u32`);
    const i = this.values.length;
    this.values.push(v);
    return `U.v[${i >> 2}][${i & 3}]`;
  }
  get count(): number {
    return this.values.length;
  }
  data(): Uint32Array {
    const out = new Uint32Array(Math.max(4, Math.ceil(this.values.length / 4) * 4));
    out.set(this.values);
    return out;
  }
  /** The WGSL declaration of the block at the given binding. */
  decl(binding: number): string {
    const vec4s = Math.max(1, Math.ceil(this.values.length / 4));
    return `struct Meta { v: array<vec4<u32>, ${vec4s}> }\n@group(0) @binding(${binding}) var<uniform> U: Meta;`;
  }
}

export const WORKGROUP = 256;

/** Storage declarations: `reads` read-only arrays then `writes` read_write arrays, named by the caller. */
export function storageDecls(reads: readonly string[], writes: readonly string[]): string {
  const r = reads.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`);
  const w = writes.map((n, i) => `@group(0) @binding(${reads.length + i}) var<storage, read_write> ${n}: array<f32>;`);
  return [...r, ...w].join('\n');
}

/**
 * Dispatch geometry for `groups` workgroups: x up to the per-dimension limit, the rest in y. The
 * kernel recovers a linear workgroup index from `wid` and `nwg`.
 */
export function dispatch1d(groups: number, maxPerDim: number): [number, number, number] {
  const g = Math.max(1, groups);
  if (g <= maxPerDim) return [g, 1, 1];
  const y = Math.ceil(g / maxPerDim);
  if (y > maxPerDim) throw new Error(`dispatch of ${g} workgroups exceeds ${maxPerDim}^2`);
  return [Math.ceil(g / y), y, 1];
}

export const linearGroup = 'let group = wid.y * nwg.x + wid.x;';
export const computeBuiltins =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';

export function kernelSource(parts: readonly string[]): string {
  return [wgslPrelude.trim(), ...parts].join('\n\n') + '\n';
}
