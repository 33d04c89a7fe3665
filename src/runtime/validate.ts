/**
 * Checks done before anything touches the GPU. Input problems are the caller's (code 'input');
 * a malformed executable is a codegen bug ('model'); one a device cannot run is 'limit'. Catching
 * these here gives messages in tensor and kernel names instead of Dawn's object dumps.
 */
import { FuseplanError } from '../ir/errors.js';
import type { BufferSpec, Executable } from '../codegen/kernel.js';
import type { DeviceLimits } from '../ir/limits.js';
import { hasExplicitShape, isGpuTensor, tensorOwner, type GpuTensor, type TensorOwner } from './tensor.js';
import { roundUp } from './usage.js';

const isFloat32Array = (x: unknown): x is Float32Array =>
  x instanceof Float32Array || Object.prototype.toString.call(x) === '[object Float32Array]';

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  return typeof x;
}

/**
 * Throws FuseplanError('input') listing every problem with the named inputs of one run. GPU tensors
 * must belong to `owner` (the runtime running it), be alive and match the input's size, and its
 * shape when they were given one.
 */
export function validateInputs(exe: Executable, inputs: Readonly<Record<string, unknown>>, owner?: TensorOwner): void {
  if (typeof inputs !== 'object' || inputs === null) {
    throw new FuseplanError('input', `inputs must be an object of Float32Arrays, got ${describe(inputs)}`);
  }
  const problems: string[] = [];
  const expected = new Map(exe.inputs.map((i) => [i.name, i]));
  for (const name of Object.keys(inputs)) {
    if (!expected.has(name)) {
      const known = [...expected.keys()].join(', ') || '(none)';
      problems.push(`unknown input "${name}" (expected inputs: ${known})`);
    }
  }
  for (const spec of exe.inputs) {
    const shape = `[${spec.shape.join(', ')}]`;
    if (!Object.prototype.hasOwnProperty.call(inputs, spec.name) || inputs[spec.name] === undefined) {
      problems.push(`missing input "${spec.name}": expected Float32Array of ${spec.length} elements (shape ${shape})`);
      continue;
    }
    const value = inputs[spec.name];
    if (isGpuTensor(value)) {
      const p = tensorProblem(value, spec.name, spec.length, spec.shape, owner) ?? writtenProblem(exe, spec.buffer, spec.name);
      if (p !== null) problems.push(p);
    } else if (!isFloat32Array(value)) {
      problems.push(`input "${spec.name}": expected Float32Array of ${spec.length} elements (shape ${shape}), got ${describe(value)}`);
    } else if (value.length !== spec.length) {
      problems.push(`input "${spec.name}": expected ${spec.length} elements (shape ${shape}), got ${value.length}`);
    }
  }
  if (problems.length > 0) throw new FuseplanError('input', problems.join('; '));
}

function tensorProblem(t: GpuTensor, name: string, length: number, shape: readonly number[], owner: TensorOwner | undefined): string | null {
  const want = `[${shape.join(', ')}]`;
  if (owner === undefined || tensorOwner(t) !== owner) return `input "${name}": the GPU tensor belongs to another runtime (upload it to this one)`;
  if (t.disposed) return `input "${name}": the GPU tensor was disposed`;
  if (t.length !== length) return `input "${name}": expected ${length} elements (shape ${want}), got a GPU tensor of ${t.length} (shape [${t.shape.join(', ')}])`;
  const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (hasExplicitShape(t) && !same) return `input "${name}": expected shape ${want}, got a GPU tensor of shape [${t.shape.join(', ')}]`;
  return null;
}

/** GPU tensors are bound as they are: a kernel writing the input's buffer would corrupt them. */
function writtenProblem(exe: Executable, buffer: number, name: string): string | null {
  const k = exe.kernels.find((k) => k.buffers.indexOf(buffer, k.buffers.length - k.writes) >= 0);
  return k === undefined ? null : `input "${name}": kernel "${k.label}" writes its buffer, so it cannot be fed a GPU tensor (feed a Float32Array)`;
}

/** The size the runtime allocates for a buffer: contract sizes are rounded up to 4 bytes. */
export const allocatedBytes = (spec: BufferSpec): number => roundUp(Math.max(spec.bytes, 4), 4);

const bad = (msg: string): FuseplanError => new FuseplanError('model', `invalid executable: ${msg}`);

/**
 * Structural and device-limit checks of an executable. Pure; the runtime memoizes it per
 * Executable object since executables are immutable.
 */
export function validateExecutable(exe: Executable, limits: DeviceLimits, features?: readonly string[]): void {
  const byId = new Map<number, BufferSpec>();
  for (const b of exe.buffers) {
    if (byId.has(b.id)) throw bad(`buffer id ${b.id} declared twice ("${b.label}")`);
    if (!Number.isSafeInteger(b.bytes) || b.bytes <= 0) throw bad(`buffer "${b.label}" has size ${b.bytes} bytes`);
    if (b.kind === 'const') {
      if (b.data === undefined) throw bad(`const buffer "${b.label}" has no data`);
      if (b.data.byteLength > allocatedBytes(b)) {
        throw bad(`const buffer "${b.label}" holds ${b.data.byteLength} bytes of data in ${b.bytes} bytes`);
      }
    }
    if (allocatedBytes(b) > limits.maxBufferSize) {
      throw new FuseplanError('limit', `buffer "${b.label}" needs ${b.bytes} bytes; the device's maxBufferSize is ${limits.maxBufferSize}`);
    }
    byId.set(b.id, b);
  }

  const named = (what: string, list: Executable['inputs'], kind?: BufferSpec['kind']) => {
    const names = new Set<string>();
    for (const n of list) {
      if (names.has(n.name)) throw bad(`${what} "${n.name}" named twice`);
      names.add(n.name);
      const b = byId.get(n.buffer);
      if (b === undefined) throw bad(`${what} "${n.name}" refers to unknown buffer ${n.buffer}`);
      if (kind !== undefined && b.kind !== kind) throw bad(`${what} "${n.name}" lives in a ${b.kind} buffer`);
      if (!Number.isSafeInteger(n.length) || n.length < 0 || n.length * 4 > allocatedBytes(b)) {
        throw bad(`${what} "${n.name}" has ${n.length} elements but its buffer "${b.label}" is ${b.bytes} bytes`);
      }
    }
  };
  named('input', exe.inputs, 'input');
  named('output', exe.outputs);

  for (const k of exe.kernels) {
    const where = `kernel "${k.label}"`;
    if (features !== undefined && k.wgsl.startsWith('enable f16;') && !features.includes('shader-f16')) {
      throw new FuseplanError(
        'device',
        `${where} stores intermediates as f16, but this device has no shader-f16; compile with { runtime } (this runtime) so the planner keeps them f32`,
      );
    }
    if (!Number.isInteger(k.writes) || k.writes < 0 || k.writes > k.buffers.length) {
      throw bad(`${where} has writes = ${k.writes} with ${k.buffers.length} buffers`);
    }
    if (k.buffers.length > limits.maxStorageBuffersPerShaderStage) {
      throw new FuseplanError('limit', `${where} binds ${k.buffers.length} storage buffers; the device allows ${limits.maxStorageBuffersPerShaderStage} per shader stage`);
    }
    const firstWrite = k.buffers.length - k.writes;
    k.buffers.forEach((id, i) => {
      const b = byId.get(id);
      if (b === undefined) throw bad(`${where} binds unknown buffer ${id} at binding ${i}`);
      if (allocatedBytes(b) > limits.maxStorageBufferBindingSize) {
        throw new FuseplanError('limit', `${where} binds "${b.label}" of ${b.bytes} bytes; the device's maxStorageBufferBindingSize is ${limits.maxStorageBufferBindingSize}`);
      }
      // WebGPU forbids a buffer that is writable storage in a dispatch from being bound again in it.
      if (i >= firstWrite && k.buffers.indexOf(id) !== i) {
        throw bad(`${where} binds "${b.label}" both as read_write (binding ${i}) and at binding ${k.buffers.indexOf(id)}`);
      }
      if (i >= firstWrite && b.kind === 'const') throw bad(`${where} writes const buffer "${b.label}"`);
    });
    for (const d of k.dispatch) {
      if (!Number.isInteger(d) || d < 0) throw bad(`${where} dispatches ${k.dispatch.join('x')} workgroups`);
      if (d > limits.maxComputeWorkgroupsPerDimension) {
        throw new FuseplanError('limit', `${where} dispatches ${k.dispatch.join('x')} workgroups; the device allows ${limits.maxComputeWorkgroupsPerDimension} per dimension`);
      }
    }
    if (k.uniforms !== undefined && k.uniforms.byteLength > limits.maxUniformBufferBindingSize) {
      throw new FuseplanError('limit', `${where} has ${k.uniforms.byteLength} bytes of uniforms; the device allows ${limits.maxUniformBufferBindingSize}`);
    }
  }
}
