/**
 * Error scopes. WebGPU reports most mistakes asynchronously to an error scope (or, with none, to
 * an uncaptured-error event that Dawn merely prints), so every call that can fail runs inside one
 * and failures become FuseplanError('device') naming the kernel.
 */
import { FuseplanError } from '../ir/errors.js';

const FILTERS = ['out-of-memory', 'validation', 'internal'] as const;

/**
 * Pushes one scope per filter; the returned function pops them (always all of them, so the stack
 * stays balanced whatever happened in between) and resolves to the first error found, if any.
 */
export function pushScopes(device: GPUDevice): () => Promise<GPUError | null> {
  for (const f of FILTERS) device.pushErrorScope(f);
  return async () => {
    const popped: Promise<GPUError | null>[] = [];
    for (let i = 0; i < FILTERS.length; i++) popped.push(device.popErrorScope());
    const errors = await Promise.all(popped.map((p) => p.catch((e: unknown) => errorFrom(e))));
    return errors.find((e) => e !== null) ?? null;
  };
}

function errorFrom(e: unknown): GPUError {
  return { message: e instanceof Error ? e.message : String(e) } as GPUError;
}

function kindOf(err: GPUError): string {
  const name = (err as { constructor?: { name?: string } }).constructor?.name ?? '';
  if (name.includes('OutOfMemory')) return 'out of memory';
  if (name.includes('Internal')) return 'internal error';
  return 'validation error';
}

/**
 * Dawn names objects by label in its messages ([ComputePassEncoder "k3 exp"]), so the kernel a
 * run-level error belongs to can be recovered from the message.
 */
export function runError(err: GPUError | Error, labels: readonly string[]): FuseplanError {
  const msg = err.message.trim();
  const label = labels.find((l) => msg.includes(`"${l}"`));
  const where = label !== undefined ? `kernel "${label}"` : 'run';
  const kind = err instanceof Error ? 'error' : kindOf(err);
  return new FuseplanError('device', `${where}: ${kind}: ${msg}`);
}
