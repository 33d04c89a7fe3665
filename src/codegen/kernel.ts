/**
 * What codegen hands the runtime: WGSL kernels over logical buffers. The runtime knows nothing of
 * ops; it allocates the buffers, uploads inputs and constants, dispatches the kernels in order in
 * one command encoder, and reads the outputs back.
 */

export type BufferId = number;

export type BufferKind =
  | 'input' // a model input, uploaded per run
  | 'const' // constant data, uploaded per run (small) from `data`
  | 'intermediate' // written by one kernel, read by later ones
  | 'output' // a model output, read back after the run
  | 'scratch'; // kernel-private temporary (e.g. partial sums of a two-pass reduction)

export interface BufferSpec {
  readonly id: BufferId;
  /** Size in bytes (a multiple of 4, at least 4). */
  readonly bytes: number;
  readonly kind: BufferKind;
  /** The tensor's human name for errors and profiles (`x`, `%12`). */
  readonly label: string;
  /** For 'const' buffers: the values, as f32. */
  readonly data?: Float32Array;
}

export interface KernelSpec {
  /** Shown in profiles and explain output, e.g. `k3 exp %4`. */
  readonly label: string;
  readonly wgsl: string;
  readonly entryPoint: string;
  /**
   * Storage bindings in @binding order (group 0): binding i is buffers[i]. Read-only bindings come
   * first; `writes` says how many trailing bindings are read_write.
   */
  readonly buffers: readonly BufferId[];
  readonly writes: number;
  /**
   * Uniform data bound at @binding(buffers.length) when present, so the same WGSL (and pipeline)
   * serves every size.
   */
  readonly uniforms?: Uint32Array;
  /** Workgroup counts; each at most maxComputeWorkgroupsPerDimension. */
  readonly dispatch: readonly [number, number, number];
  /** For profiles: which fused operator (plan node) this kernel belongs to. */
  readonly op?: string;
  /**
   * Bytes of the kernel's `var<workgroup>` arrays, as codegen declared them (already checked
   * against maxComputeWorkgroupStorageSize when lowered for a device). Absent means none.
   */
  readonly workgroupBytes?: number;
}

export interface NamedBuffer {
  readonly name: string;
  readonly buffer: BufferId;
  /** Number of f32 elements. */
  readonly length: number;
  readonly shape: readonly number[];
}

/** A fully lowered program: what the runtime executes. */
export interface Executable {
  readonly buffers: readonly BufferSpec[];
  readonly kernels: readonly KernelSpec[];
  readonly inputs: readonly NamedBuffer[];
  readonly outputs: readonly NamedBuffer[];
}
