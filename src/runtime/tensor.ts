/**
 * GPU-resident tensors: a buffer owned by one runtime, uploaded once (weights) or kept from a run
 * (`outputs: 'gpu'`), fed to later runs without another upload and read back only on demand.
 * The buffer is never one the runtime's pool hands to a later run, so nothing overwrites it until
 * dispose().
 */
import { FuseplanError } from '../ir/errors.js';

/** What a tensor needs of the runtime that owns it. */
export interface TensorOwner {
  readTensor(t: GpuTensor, buffer: GPUBuffer): Promise<Float32Array>;
  releaseTensor(t: GpuTensor, buffer: GPUBuffer): void;
}

interface Internals {
  readonly owner: TensorOwner;
  buffer: GPUBuffer | null;
  /** Whether the shape was given (upload(data, shape) or a run output) or only implied by the length. */
  readonly shaped: boolean;
}

// Kept off the object so the public surface is shape, length, read and dispose only.
const internals = new WeakMap<GpuTensor, Internals>();

export class GpuTensor {
  readonly shape: readonly number[];
  readonly length: number;

  /** Made by Runtime.upload or by a run; not meant to be constructed directly. */
  constructor(owner: TensorOwner, buffer: GPUBuffer, length: number, shape?: readonly number[]) {
    this.length = length;
    this.shape = Object.freeze([...(shape ?? [length])]);
    internals.set(this, { owner, buffer, shaped: shape !== undefined });
  }

  get disposed(): boolean {
    return internals.get(this)?.buffer === null;
  }

  /** Copies the values back to the host (one submit and one map). */
  read(): Promise<Float32Array> {
    const i = internals.get(this)!;
    if (i.buffer === null) return Promise.reject(disposedError('read()'));
    return i.owner.readTensor(this, i.buffer);
  }

  /** Gives the GPU buffer back to the runtime (its pool) now; idempotent. Using the tensor afterwards throws FuseplanError('input'). */
  dispose(): void {
    const i = internals.get(this)!;
    if (i.buffer === null) return;
    const b = i.buffer;
    i.buffer = null;
    i.owner.releaseTensor(this, b);
  }
}

const disposedError = (what: string): FuseplanError => new FuseplanError('input', `GPU tensor used after dispose(): ${what}`);

export const isGpuTensor = (x: unknown): x is GpuTensor => x instanceof GpuTensor;

export const tensorOwner = (t: GpuTensor): TensorOwner | undefined => internals.get(t)?.owner;

export const hasExplicitShape = (t: GpuTensor): boolean => internals.get(t)?.shaped === true;

/** The tensor's buffer for a run; `what` names the input in the error when it was disposed. */
export function tensorBuffer(t: GpuTensor, what: string): GPUBuffer {
  const b = internals.get(t)?.buffer;
  if (b === undefined || b === null) throw disposedError(what);
  return b;
}

/** Marks the tensor disposed without touching its buffer (the runtime frees all buffers itself). */
export function forgetBuffer(t: GpuTensor): void {
  const i = internals.get(t);
  if (i !== undefined) i.buffer = null;
}
