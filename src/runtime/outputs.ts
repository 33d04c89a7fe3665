/**
 * Outputs kept on the GPU (`outputs: 'gpu'`). A kept output must own its buffer: one from the
 * run's pool would be handed to the next run and overwritten. An output alone in its own buffer
 * is taken out of the run (no copy); one that shares its buffer (with another kept output, an
 * input or a constant) is copied into a fresh buffer in the run's command encoder.
 */
import type { Executable, NamedBuffer } from '../codegen/kernel.js';
import { FuseplanError } from '../ir/errors.js';
import { putOwn } from '../ir/own.js';
import type { BufferTracker, RunBuffers } from './buffers.js';
import type { GpuTensor } from './tensor.js';
import type { ExecuteOptions } from './types.js';
import { BufferUsage, roundUp } from './usage.js';

export type KeptTensors = (buffer: GPUBuffer, length: number, shape: readonly number[]) => GpuTensor;

const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** The names of the outputs to keep on the GPU; throws FuseplanError('input') on a bad option. */
export function keptOutputs(exe: Executable, placement: ExecuteOptions['outputs']): ReadonlySet<string> {
  const names = exe.outputs.map((o) => o.name);
  if (placement === undefined || placement === 'host') return new Set();
  if (placement === 'gpu') return new Set(names);
  if (typeof placement !== 'object' || placement === null) {
    throw new FuseplanError('input', `outputs must be 'host', 'gpu' or { [output]: 'host' | 'gpu' }, got ${placement === null ? 'null' : JSON.stringify(placement)}`);
  }
  const kept = new Set<string>();
  for (const [name, where] of Object.entries(placement)) {
    if (!names.includes(name)) throw new FuseplanError('input', `outputs: unknown output '${name}' (outputs: ${names.join(', ') || '(none)'})`);
    if (where !== 'host' && where !== 'gpu') throw new FuseplanError('input', `outputs.${name} must be 'host' or 'gpu', got ${JSON.stringify(where)}`);
    if (where === 'gpu') kept.add(name);
  }
  return kept;
}

/** Kept outputs of a run between encoding and completion. */
export interface Kept {
  /** After the run completed: the tensors, taking detached buffers out of the run. */
  finish(run: RunBuffers, wrap: KeptTensors): Record<string, GpuTensor>;
  /** After a failure: frees the copies (detached buffers are still the run's and go with it). */
  abandon(tracker: BufferTracker): void;
}

export function keepOutputs(tracker: BufferTracker, encoder: GPUCommandEncoder, exe: Executable, gpuBuffers: ReadonlyMap<number, GPUBuffer>, onGpu: ReadonlySet<string>): Kept {
  const kinds = new Map(exe.buffers.map((b) => [b.id, b.kind]));
  const keptPerBuffer = new Map<number, number>();
  for (const o of exe.outputs) if (onGpu.has(o.name)) keptPerBuffer.set(o.buffer, (keptPerBuffer.get(o.buffer) ?? 0) + 1);
  const taken: { output: NamedBuffer; buffer: GPUBuffer; detach: boolean }[] = [];
  for (const o of exe.outputs) {
    if (!onGpu.has(o.name)) continue;
    const source = gpuBuffers.get(o.buffer)!;
    const alone = kinds.get(o.buffer) === 'output' && keptPerBuffer.get(o.buffer) === 1;
    if (alone) {
      taken.push({ output: o, buffer: source, detach: true });
      continue;
    }
    const copy = tracker.create({ label: `output ${o.name}`, size: roundUp(Math.max(o.length * 4, 4), 4), usage: TENSOR_USAGE });
    if (o.length > 0) encoder.copyBufferToBuffer(source, 0, copy, 0, o.length * 4);
    taken.push({ output: o, buffer: copy, detach: false });
  }
  return {
    finish(run, wrap) {
      const out: Record<string, GpuTensor> = {};
      for (const t of taken) {
        if (t.detach) run.detach(t.buffer);
        putOwn(out, t.output.name, wrap(t.buffer, t.output.length, t.output.shape));
      }
      return out;
    },
    abandon(tr) {
      for (const t of taken) if (!t.detach) tr.destroy(t.buffer);
    },
  };
}
