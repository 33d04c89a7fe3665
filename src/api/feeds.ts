/**
 * A model's feeds checked against its compiled program without a device: the checks run() makes
 * before it touches the GPU (declared names, host tensor shapes, Float32Array lengths), so a
 * caller can reject bad feeds early, e.g. at a request boundary, with the same messages.
 */
import { FuseplanError } from '../ir/errors.js';
import { getOwn, putOwn } from '../ir/own.js';
import type { Feed, Runnable } from '../runtime/types.js';
import { validateInputs } from '../runtime/validate.js';

const describe = (x: unknown): string =>
  x === null ? 'null' : Array.isArray(x) ? 'an array' : ArrayBuffer.isView(x) ? (x as object).constructor.name : typeof x;

function checkNames(program: Runnable, feeds: object): void {
  const declared = new Set(program.inputNames);
  const specs = new Map(program.executable.inputs.map((i) => [i.name, i]));
  const problems: string[] = [];
  for (const name of declared) {
    if (Object.prototype.hasOwnProperty.call(feeds, name)) continue;
    const spec = specs.get(name);
    problems.push(`missing input '${name}'${spec !== undefined ? ` (expected Float32Array of ${spec.length} elements, shape [${spec.shape.join(', ')}])` : ''}`);
  }
  for (const name of Object.keys(feeds)) {
    if (!declared.has(name)) problems.push(`unknown input '${name}' (model '${program.name}' declares: ${[...declared].join(', ')})`);
  }
  if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
}

/**
 * The Float32Arrays a run would upload, by input name (inputs no output reads are checked for
 * presence and left out). Throws FuseplanError('input') listing every problem.
 */
export function checkFeeds(program: Runnable, feeds: Readonly<Record<string, Feed>>): Record<string, Float32Array> {
  if (typeof program !== 'object' || program === null || typeof program.executable !== 'object' || !Array.isArray(program.inputNames)) {
    throw new FuseplanError('model', 'feeds are checked against a compiled model (from compile())');
  }
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds) || ArrayBuffer.isView(feeds)) {
    throw new FuseplanError('input', `model '${program.name}': feeds must be an object of named inputs { ${program.inputNames.join(', ')} }, got ${describe(feeds)}`);
  }
  checkNames(program, feeds);
  const problems: string[] = [];
  const inputs: Record<string, Float32Array> = {};
  for (const spec of program.executable.inputs) {
    const feed: unknown = getOwn(feeds, spec.name);
    const data = feed instanceof Float32Array ? feed : (feed as { data?: unknown } | null)?.data;
    // A host tensor's shape must match, not only its length: a [4, 2] is not a [2, 4].
    const shape = feed instanceof Float32Array ? undefined : (feed as { shape?: unknown } | null)?.shape;
    if (data instanceof Float32Array && shape !== undefined) {
      const same = Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i]);
      if (!same) problems.push(`input '${spec.name}': expected shape [${spec.shape.join(', ')}], got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}`);
    }
    putOwn(inputs, spec.name, (data instanceof Float32Array ? data : feed) as Float32Array);
  }
  if (problems.length > 0) throw new FuseplanError('input', `model '${program.name}': ${problems.join('; ')}`);
  validateInputs(program.executable, inputs);
  return inputs;
}
