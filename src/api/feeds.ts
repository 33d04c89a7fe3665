/**
 * A model's feeds checked against its compiled program without a device: the checks run() makes
 * before it touches the GPU (declared names, host tensor shapes, Float32Array lengths), so a
 * caller can reject bad feeds early, e.g. at a request boundary, with the same messages. GPU
 * tensors belong to a runtime, so whether they fit is checked when that runtime runs them.
 */
import { putOwn } from '../ir/own.js';
import { feedsToInputs } from '../runtime/feeds.js';
import { isGpuTensor } from '../runtime/tensor.js';
import type { Feed, Runnable } from '../runtime/types.js';
import { validateInputs } from '../runtime/validate.js';

/**
 * The Float32Arrays a run would upload, by input name (inputs no output reads are checked for
 * presence and left out; GPU tensors are left out). Throws FuseplanError('input') listing every problem.
 */
export function checkFeeds(program: Runnable, feeds: Readonly<Record<string, Feed>>): Record<string, Float32Array> {
  const inputs = feedsToInputs(program, feeds);
  const host: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(inputs)) if (!isGpuTensor(v)) putOwn(host, name, v as Float32Array);
  const gpuNames = Object.keys(inputs).filter((n) => isGpuTensor(inputs[n]));
  const exe = { ...program.executable, inputs: program.executable.inputs.filter((i) => !gpuNames.includes(i.name)) };
  validateInputs(exe, host);
  return host;
}
