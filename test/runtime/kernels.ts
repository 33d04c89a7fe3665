/** Hand-written executables for the runtime tests (no planner or codegen involved). */
import type { BufferSpec, Executable, KernelSpec } from '../../src/codegen/kernel.js';

export const AXPC_WGSL = /* wgsl */ `
struct U { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i < u.n) { out[i] = a[i] * 2.0 + c[i]; }
}
`;

export const ADD1_WGSL = /* wgsl */ `
struct U { n: u32 }
@group(0) @binding(0) var<storage, read> t: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> u: U;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x;
  if (i < u.n) { y[i] = t[i] + 1.0; }
}
`;

export const cValues = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i * 0.5);

const axpcKernel = (label: string, written: number, wgsl = AXPC_WGSL): KernelSpec => ({
  label,
  op: 'op0',
  wgsl,
  entryPoint: 'main',
  buffers: [0, 1, 2],
  writes: 1,
  uniforms: new Uint32Array([written]),
  dispatch: [Math.ceil(written / 64), 1, 1],
});

/**
 * y = a * 2 + c over n elements, c a constant; only the first `written` elements of y are written,
 * so the tail shows what an unwritten element reads back as.
 */
export function axpc(n: number, opts: { written?: number; label?: string; wgsl?: string } = {}): Executable {
  const buffers: BufferSpec[] = [
    { id: 0, bytes: n * 4, kind: 'input', label: 'a' },
    { id: 1, bytes: n * 4, kind: 'const', label: 'c', data: cValues(n) },
    { id: 2, bytes: n * 4, kind: 'output', label: 'y' },
  ];
  return {
    buffers,
    kernels: [axpcKernel(opts.label ?? 'k0 axpc', opts.written ?? n, opts.wgsl)],
    inputs: [{ name: 'a', buffer: 0, length: n, shape: [n] }],
    outputs: [{ name: 'y', buffer: 2, length: n, shape: [n] }],
  };
}

/** Two kernels through an intermediate: t = a * 2 + c; y = t + 1. */
export function chain(n: number): Executable {
  return {
    buffers: [
      { id: 0, bytes: n * 4, kind: 'input', label: 'a' },
      { id: 1, bytes: n * 4, kind: 'const', label: 'c', data: cValues(n) },
      { id: 2, bytes: n * 4, kind: 'intermediate', label: '%t' },
      { id: 3, bytes: n * 4, kind: 'output', label: 'y' },
    ],
    kernels: [
      { ...axpcKernel('k0 axpc', n), op: 'op0' },
      {
        label: 'k1 add1',
        op: 'op1',
        wgsl: ADD1_WGSL,
        entryPoint: 'main',
        buffers: [2, 3],
        writes: 1,
        uniforms: new Uint32Array([n]),
        dispatch: [Math.ceil(n / 64), 1, 1],
      },
    ],
    inputs: [{ name: 'a', buffer: 0, length: n, shape: [n] }],
    outputs: [
      { name: 'y', buffer: 3, length: n, shape: [n] },
      { name: 't', buffer: 2, length: n, shape: [n] },
    ],
  };
}

export const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i - 3);
