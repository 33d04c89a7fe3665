/**
 * run()'s feeds to execute()'s inputs: every declared input present and no other, host tensors'
 * shapes checked against the inputs', GPU tensors passed through (execute validates them).
 */
import { FuseplanError } from '../ir/errors.js';
import { putOwn } from '../ir/own.js';
import { isGpuTensor } from './tensor.js';
import type { Feed, Input, Runnable } from './types.js';

export function feedsToInputs(program: Runnable, feeds: Readonly<Record<string, Feed>>): Record<string, Input> {
  if (typeof program !== 'object' || program === null || typeof program.executable !== 'object' || !Array.isArray(program.inputNames)) {
    throw new FuseplanError('model', 'run() needs a compiled model (from compile())');
  }
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds) || ArrayBuffer.isView(feeds)) {
    throw new FuseplanError('input', `model '${program.name}': feeds must be an object of named inputs { ${program.inputNames.join(', ')} }, got ${feeds === null ? 'null' : Array.isArray(feeds) ? 'an array' : ArrayBuffer.isView(feeds) ? (feeds as object).constructor.name : typeof feeds}`);
  }
  const declared = new Set(program.inputNames);
  const problems: string[] = [];
  const specs = new Map(program.executable.inputs.map((i) => [i.name, i]));
  for (const name of declared) {
    if (Object.prototype.hasOwnProperty.call(feeds, name)) continue;
    const spec = specs.get(name);
    problems.push(`missing input '${name}'${spec !== undefined ? ` (expected Float32Array of ${spec.length} elements, shape [${spec.shape.join(', ')}])` : ''}`);
  }
  for (const name of Object.keys(feeds)) {
    if (!declared.has(name)) problems.push(`unknown input '${name}' (model '${program.name}' declares: ${[...declared].join(', ')})`);
  }
  if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
  const inputs: Record<string, Input> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    // Inputs no output depends on have no buffer; they were checked for presence above.
    const spec = specs.get(name);
    if (spec === undefined) continue;
    if (isGpuTensor(feed)) {
      putOwn<Input>(inputs, name, feed);
      continue;
    }
    const data = feed instanceof Float32Array ? feed : (feed as { data?: unknown } | null)?.data;
    // A host tensor carries a shape: a transposed [4, 2] has the length of a [2, 4] but not its
    // meaning, so the shape must match too, not only the length (which execute checks).
    const shape = feed instanceof Float32Array ? undefined : (feed as { shape?: unknown } | null)?.shape;
    if (data instanceof Float32Array && shape !== undefined) {
      const same = Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i]);
      if (!same) problems.push(`input '${name}': expected shape [${spec.shape.join(', ')}], got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}`);
    }
    putOwn<Input>(inputs, name, data instanceof Float32Array ? data : (feed as unknown as Float32Array));
  }
  if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
  return inputs;
}
