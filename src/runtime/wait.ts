/**
 * Node only. Dawn's Node binding, while any of its promises is pending (mapAsync,
 * onSubmittedWorkDone, createComputePipelineAsync, ...), polls by re-arming `setImmediate` from
 * native code. setImmediate callbacks run without the event loop ever blocking, so the JS thread
 * spins a full core until the GPU finishes. With a software adapter (lavapipe) on a 2-core machine
 * that core is stolen from the rasterizer's worker threads and GPU timings roughly double.
 *
 * The fix: wrap globalThis.setImmediate and send functions whose source is `[native code]` (Dawn's
 * poll callback; JS callbacks are never native unless bound) to setTimeout(fn, 0) instead, which
 * blocks the loop for ~1 ms between polls at near-zero CPU. Everything else goes to the real
 * setImmediate unchanged. The wrapper is reference-counted across runtimes: installed when the
 * first 'timer' runtime is created, removed when the last one is destroyed.
 */

type AnyFn = (...args: unknown[]) => unknown;

interface Installed {
  readonly originalSet: typeof globalThis.setImmediate;
  readonly originalClear: typeof globalThis.clearImmediate;
  readonly wrappedSet: typeof globalThis.setImmediate;
  readonly wrappedClear: typeof globalThis.clearImmediate;
}

let installed: Installed | null = null;
let users = 0;

const PROMISIFY = Symbol.for('nodejs.util.promisify.custom');
const nativeSource = /\[native code\]\s*\}?\s*$/;
// Dawn hands over the same few functions every tick; remember the verdict instead of
// re-stringifying them thousands of times per second.
const verdicts = new WeakMap<object, boolean>();

export function isNativeFunction(fn: unknown): boolean {
  if (typeof fn !== 'function') return false;
  let v = verdicts.get(fn);
  if (v === undefined) {
    v = nativeSource.test(Function.prototype.toString.call(fn));
    verdicts.set(fn, v);
  }
  return v;
}

function install(): Installed {
  const originalSet = globalThis.setImmediate;
  const originalClear = globalThis.clearImmediate;
  // Timers that stand in for immediates, so clearImmediate on them still cancels.
  const rerouted = new WeakSet<object>();

  const wrappedSet = function setImmediate(fn: AnyFn, ...args: unknown[]) {
    if (installed !== null && installed.wrappedSet === wrappedSet && isNativeFunction(fn)) {
      const t = setTimeout(fn, 0, ...args);
      rerouted.add(t);
      return t as unknown as NodeJS.Immediate;
    }
    return originalSet(fn, ...args);
  } as unknown as typeof globalThis.setImmediate;
  // util.promisify(setImmediate) must keep working for everyone else.
  Object.defineProperty(wrappedSet, PROMISIFY, {
    get: () => (originalSet as unknown as Record<symbol, unknown>)[PROMISIFY],
    enumerable: true,
  });

  const wrappedClear = function clearImmediate(handle: unknown) {
    if (typeof handle === 'object' && handle !== null && rerouted.has(handle)) {
      clearTimeout(handle as NodeJS.Timeout);
      return;
    }
    originalClear(handle as NodeJS.Immediate);
  } as typeof globalThis.clearImmediate;

  globalThis.setImmediate = wrappedSet;
  globalThis.clearImmediate = wrappedClear;
  return { originalSet, originalClear, wrappedSet, wrappedClear };
}

function uninstall(state: Installed): void {
  // If someone wrapped setImmediate on top of ours, leave their wrapper in place; ours turns into a
  // pass-through because `installed` no longer points at it.
  if (globalThis.setImmediate === state.wrappedSet) globalThis.setImmediate = state.originalSet;
  if (globalThis.clearImmediate === state.wrappedClear) globalThis.clearImmediate = state.originalClear;
}

/**
 * Starts timer waiting (if not already on) and returns an idempotent release function.
 * No-op outside Node.
 */
export function acquireTimerWaiting(): () => void {
  if (typeof globalThis.setImmediate !== 'function' || typeof setTimeout !== 'function') return () => {};
  if (users === 0 || installed === null) installed = install();
  users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users--;
    if (users === 0 && installed !== null) {
      uninstall(installed);
      installed = null;
    }
  };
}

/** Whether timer waiting is currently installed (for tests and diagnostics). */
export function timerWaitingActive(): boolean {
  return installed !== null;
}
