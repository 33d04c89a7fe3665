import { limitError } from '../ir/errors.js';
import { wgslPrelude } from '../ir/ops.js';

/**
 * How kernels get their sizes and strides. 'literal' (the default): printed into the WGSL as
 * constants, so the shader compiler folds the index arithmetic (a division by a constant becomes a
 * multiply and a shift; by a power of two, a shift) and a kernel is specialised to its shapes.
 * 'uniform': read from the uniform block, so one pipeline serves every binding of the symbolic dims
 * at the price of a real u32 division per coordinate.
 */
export type Indexing = 'literal' | 'uniform';

/**
 * The uniform block of a kernel: a flat list of u32 packed into vec4s (uniform arrays need a
 * 16-byte element stride). Sizes go through `size`, which prints them as literals unless the kernel
 * is lowered with uniform indexing; `bits` always travels in the block (float constants that a
 * compiler must not fold, see expr.ts).
 */
export class Uniforms {
  private readonly values: number[] = [];
  constructor(private readonly indexing: Indexing = 'literal') {}
  /** A size or stride: a WGSL u32 literal, or a read of the uniform block. */
  push(v: number): string {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw limitError(`size or stride ${v} does not fit the u32 index arithmetic of the kernels`);
    return this.indexing === 'literal' ? `${v}u` : this.bits(v);
  }
  /** A u32 that must be read at run time from the block. */
  bits(v: number): string {
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
  if (y > maxPerDim) throw limitError(`a dispatch of ${g} workgroups exceeds ${maxPerDim} x ${maxPerDim} (maxComputeWorkgroupsPerDimension squared)`);
  return [Math.ceil(g / y), y, 1];
}

export const linearGroup = 'let group = wid.y * nwg.x + wid.x;';
export const computeBuiltins =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32';

export function kernelSource(parts: readonly string[]): string {
  return [wgslPrelude.trim(), ...parts].join('\n\n') + '\n';
}

/** Element types of workgroup arrays and their sizes in bytes (each also its array stride, so no padding). */
const ELEM_BYTES = { f32: 4, u32: 4, i32: 4, 'vec2<f32>': 8, 'vec4<f32>': 16 } as const;
export type WorkgroupElem = keyof typeof ELEM_BYTES;

/**
 * The `var<workgroup>` arrays of one kernel. Kernels declare them only through here, so the bytes
 * checked against maxComputeWorkgroupStorageSize are those of the declarations actually printed.
 */
export class WorkgroupMemory {
  private readonly lines: string[] = [];
  private total = 0;

  /**
   * Declares `name` as an array of `elem` with extents `dims`, outermost first ([16, 16] prints
   * `array<array<f32, 16>, 16>`), and returns the name.
   */
  array(name: string, elem: WorkgroupElem, dims: readonly number[]): string {
    if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`workgroup array ${name}: bad extents [${dims.join(', ')}]`);
    const type = dims.reduceRight<string>((t, d) => `array<${t}, ${d}>`, elem);
    this.lines.push(`var<workgroup> ${name}: ${type};`);
    this.total += dims.reduce((p, d) => p * d, ELEM_BYTES[elem]);
    return name;
  }

  /** Total bytes of the declared arrays. */
  get bytes(): number {
    return this.total;
  }

  /** One declaration line per array, in declaration order. */
  decls(): readonly string[] {
    return this.lines;
  }
}

/**
 * Blocked summation: a long sum inside one invocation adds its terms into a block subtotal `ab`;
 * every SUM_BLOCK terms `ab` goes into a second-level subtotal `ac`, and every SUM_BLOCK^2 terms
 * `ac` goes into the total `a`. The rounding error of a sequential sum grows with its chain of
 * dependent additions (|err| <= (n - 1) u sum|x|); two levels make that chain at most
 * 2 * SUM_BLOCK + n / SUM_BLOCK^2 (e.g. 317 instead of 1,000,000 for a 1M-term lane). Unlike Kahan
 * summation it cannot be undone by a compiler that reassociates float adds.
 */
export const SUM_BLOCK = 128;

/** Declarations of the subtotals of accumulators `accs` (each already declared) and the term counter. */
export function blockedSumDecls(accs: readonly string[], count: string, zero: string): string[] {
  return [...accs.flatMap((a) => [`var ${a}b = ${zero};`, `var ${a}c = ${zero};`]), `var ${count} = 0u;`];
}

/** Lines that end one term, after `${a}b = ${a}b + x` for every accumulator a. */
export function blockedSumStep(accs: readonly string[], count: string, zero: string, add: (a: string, b: string) => string): string[] {
  const inner = accs.map((a) => `${a}c = ${add(`${a}c`, `${a}b`)}; ${a}b = ${zero};`).join(' ');
  const outer = accs.map((a) => `${a} = ${add(a, `${a}c`)}; ${a}c = ${zero};`).join(' ');
  return [`${count} = ${count} + 1u;`, `if ((${count} & ${SUM_BLOCK - 1}u) == 0u) { ${inner} if ((${count} & ${SUM_BLOCK * SUM_BLOCK - 1}u) == 0u) { ${outer} } }`];
}

/** Lines after the loop: the subtotals join the totals. */
export function blockedSumFinish(accs: readonly string[], add: (a: string, b: string) => string): string[] {
  return accs.map((a) => `${a} = ${add(a, add(`${a}c`, `${a}b`))};`);
}

/**
 * What every kernel binding an f16 buffer starts with: the directive, and conversions between f16
 * storage and f32 arithmetic done on the bits. WGSL's own f32(x) / f16(x) would do, but software
 * rasterizers (lavapipe) lower each to a library call per element, which costs more than the bytes
 * f16 saves; these are a few integer ops that vectorize. Scaling by 2^-112 moves an f32's exponent
 * onto f16's (bias 127 vs 15), so the f16 bits are the f32 bits shifted right by 13, rounded half
 * away from zero (within the 2^-10 relative error the planner assumes, src/planner/ranges.ts),
 * and f16 subnormals come out as f32 subnormals (a device may flush either to zero: the planner's
 * 2^-14 absolute term). The planner only stores finite values below 65504, so infinities and NaN
 * never reach these.
 */
export const F16_HELPERS = `enable f16;

fn f16_unpack2(p: vec2<f16>) -> vec2<f32> {
  let h = bitcast<u32>(p);
  let lo = bitcast<f32>((h & 0x7fffu) << 13u) * 5.192296858534828e33f;
  let hi = bitcast<f32>((h >> 3u) & 0x0fffe000u) * 5.192296858534828e33f;
  return vec2<f32>(bitcast<f32>(bitcast<u32>(lo) | ((h & 0x8000u) << 16u)), bitcast<f32>(bitcast<u32>(hi) | (h & 0x80000000u)));
}
fn f16_pack2(v: vec2<f32>) -> vec2<f16> {
  let b = bitcast<vec2<u32>>(v * 1.925929944387236e-34f);
  let h = ((b >> vec2<u32>(16u)) & vec2<u32>(0x8000u)) | (((b & vec2<u32>(0x7fffffffu)) + vec2<u32>(0x1000u)) >> vec2<u32>(13u));
  return bitcast<vec2<f16>>(h.x | (h.y << 16u));
}
fn f16x4_load(x: vec4<f16>) -> vec4<f32> { return vec4<f32>(f16_unpack2(x.xy), f16_unpack2(x.zw)); }
fn f16x4_store(v: vec4<f32>) -> vec4<f16> { return vec4<f16>(f16_pack2(v.xy), f16_pack2(v.zw)); }
fn f16_load(x: f16) -> f32 { return f16_unpack2(vec2<f16>(x, x)).x; }
fn f16_store(v: f32) -> f16 { return f16_pack2(vec2<f32>(v, v)).x; }
`;
