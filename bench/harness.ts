/**
 * Timing for the benchmark suite: contenders (a fuseplan strategy or tfjs) run one after the other
 * in rotating round-robin order, so slow drift of the shared machine hits all alike; each timed
 * run covers input upload, the kernels and the read back of every output. Also: the copy bandwidth
 * floor, bytes moved per plan, and the JS thread's CPU time (to show that nobody spins).
 */
import { copyBytesPerMs } from '../src/calibrate/gpu-timer.js';
import { readFileSync } from 'node:fs';
import { compile, seededRandom, type CompiledModel, type Runtime } from '../src/index.js';
import type { Strategy } from '../src/api/compile.js';
import type { ModelLike } from '../src/index.js';
import type { Dims } from '../src/index.js';
import { BufferUsage, MapMode } from '../src/runtime/usage.js';
import { isNativeFunction } from '../src/runtime/wait.js';
import type { TfjsSetup } from './tfjs.js';
import type { TfProgram } from './workloads.js';

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

export const geomean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));

/**
 * CPU time (ms) of the main JS thread only, from /proc/self/task/<pid>/schedstat (nanoseconds on
 * the CPU). Process-wide counters would include lavapipe's worker threads, which do the GPU work,
 * and utime/stime tick in 10 ms steps. NaN where /proc is unavailable.
 */
export function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Sustained copyBufferToBuffer bandwidth (bytes read + written per ms): calibration's measurement. */
export const copyBandwidth = copyBytesPerMs;

export type Outputs = Record<string, Float32Array>;

/** One thing to time: a fuseplan strategy or tfjs, on fixed inputs. */
export interface Contender {
  readonly strategy: string;
  /** Compute dispatches per run. */
  readonly kernels: number;
  /** Bytes the plan's kernels read and write (null where unknown, i.e. tfjs). */
  readonly bytesMoved: number | null;
  readonly compiled?: CompiledModel;
  /** Upload the inputs, compute, read every output back. */
  run(): Promise<Outputs>;
  /** tfjs only: summed GPU time of its kernels (tf.time, timestamp queries), one run. */
  gpuMs?(): Promise<number | null>;
}

export function fuseplanContender(rt: Runtime, m: ModelLike, dims: Dims, strategy: Strategy, feeds: Readonly<Record<string, Float32Array>>): Contender {
  const compiled = compile(m, { dims, strategy, limits: rt.limits });
  return {
    strategy,
    kernels: compiled.executable.kernels.length,
    bytesMoved: planBytes(compiled),
    compiled,
    run: async () => (await rt.run(compiled, feeds)).outputs,
  };
}

/** Sum over the plan's operators of the bytes the cost model says they read and write. */
export const planBytes = (c: CompiledModel): number => c.plan.costs.reduce((s, k) => s + k.bytesRead + k.bytesWritten, 0);

/** Bytes any implementation must move: every live input read once, every output written once. */
export function floorBytes(c: CompiledModel): number {
  const ins = c.executable.inputs.reduce((s, i) => s + i.length * 4, 0);
  const outs = c.executable.outputs.reduce((s, o) => s + o.length * 4, 0);
  return ins + outs;
}

export function tfjsContender(s: TfjsSetup, program: TfProgram, shapes: Readonly<Record<string, readonly number[]>>, feeds: Readonly<Record<string, Float32Array>>, kernels: number): Contender {
  const { tf } = s;
  return {
    strategy: 'tfjs-webgpu',
    kernels,
    bytesMoved: null,
    gpuMs: async () => {
      const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tf.tensor(v, [...shapes[k]!], 'float32')]));
      try {
        const info = await tf.time(() => void tf.tidy(() => void program(tf, inputs)));
        return typeof info.kernelMs === 'number' ? info.kernelMs : null;
      } finally {
        Object.values(inputs).forEach((t) => t.dispose());
      }
    },
    run: async () => {
      // Tensor creation from the Float32Arrays is the upload (tfjs uploads on first use).
      const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tf.tensor(v, [...shapes[k]!], 'float32')]));
      try {
        const outs = tf.tidy(() => program(tf, inputs));
        try {
          const names = Object.keys(outs);
          const data = await Promise.all(names.map((n) => outs[n]!.data()));
          return Object.fromEntries(names.map((n, i) => [n, data[i] instanceof Float32Array ? (data[i] as Float32Array) : Float32Array.from(data[i] as ArrayLike<number>)]));
        } finally {
          Object.values(outs).forEach((t) => t.dispose());
        }
      } finally {
        Object.values(inputs).forEach((t) => t.dispose());
      }
    },
  };
}

/**
 * The transfers alone, done the way fuseplan's runtime does them and with no kernel: upload every
 * live input into a fresh buffer (mappedAtCreation), copy fresh output-sized buffers to staging
 * buffers, map and copy them out, destroy everything. What any backend pays for the same I/O
 * through WebGPU on this adapter, so `msMedian - ioMs` is roughly the compute side of a run.
 */
export function ioContender(device: GPUDevice, c: CompiledModel, feeds: Readonly<Record<string, Float32Array>>): Contender {
  const inputs = c.executable.inputs.map((i) => feeds[i.name]!);
  const outBytes = c.executable.outputs.map((o) => Math.max(4, o.length * 4));
  const STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
  return {
    strategy: 'io-only',
    kernels: 0,
    bytesMoved: 0,
    run: async () => {
      const made: GPUBuffer[] = [];
      try {
        for (const data of inputs) {
          const b = device.createBuffer({ size: Math.max(4, data.byteLength), usage: STORAGE, mappedAtCreation: true });
          made.push(b);
          new Float32Array(b.getMappedRange(), 0, data.length).set(data);
          b.unmap();
        }
        const enc = device.createCommandEncoder();
        const staging = outBytes.map((n) => {
          const src = device.createBuffer({ size: n, usage: STORAGE });
          const dst = device.createBuffer({ size: n, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
          made.push(src, dst);
          enc.copyBufferToBuffer(src, 0, dst, 0, n);
          return dst;
        });
        device.queue.submit([enc.finish()]);
        await Promise.all(staging.map((b) => b.mapAsync(MapMode.READ)));
        const out: Outputs = {};
        staging.forEach((b, i) => (out[`o${i}`] = new Float32Array(b.getMappedRange()).slice()));
        return out;
      } finally {
        made.forEach((b) => b.destroy());
      }
    },
  };
}

/** Counts compute dispatches (on any device of Dawn's binding) while `fn` runs. */
export async function countDispatches<T>(encoderProto: { dispatchWorkgroups: (...a: never[]) => unknown }, fn: () => Promise<T>): Promise<{ value: T; dispatches: number }> {
  const original = encoderProto.dispatchWorkgroups;
  let dispatches = 0;
  encoderProto.dispatchWorkgroups = function (this: unknown, ...args: never[]) {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    return { value: await fn(), dispatches };
  } finally {
    encoderProto.dispatchWorkgroups = original;
  }
}

/**
 * How often Dawn's binding polled (re-armed setImmediate from native code) per ms while `fn` ran.
 * Counted by a pass-through wrapper on top of whatever setImmediate is installed (the runtime's
 * 'timer' wrapper, if any). With timer waiting every poll goes through setTimeout, about one per
 * ms; a spinning wait polls many times per ms. Same binding, so fuseplan and tfjs are comparable.
 */
export async function pollsPerMs(fn: () => Promise<unknown>): Promise<number> {
  const prev = globalThis.setImmediate;
  let polls = 0;
  const counting = function (this: unknown, cb: (...a: unknown[]) => void, ...args: unknown[]) {
    if (isNativeFunction(cb)) polls++;
    return prev(cb, ...args);
  } as unknown as typeof globalThis.setImmediate;
  globalThis.setImmediate = counting;
  const t0 = performance.now();
  try {
    await fn();
    return polls / (performance.now() - t0);
  } finally {
    if (globalThis.setImmediate === counting) globalThis.setImmediate = prev;
  }
}

export interface Samples {
  readonly ms: number[];
  /** Main JS thread CPU ms over all timed runs, and the wall ms they took. */
  cpuMs: number;
  wallMs: number;
}

/**
 * Warm-up runs for each contender first (pipelines compile, pools fill), then `runs` rounds; round
 * r starts at contender r mod n, so each contender runs in every position equally often.
 */
export async function timeRoundRobin(contenders: readonly Contender[], opts: { warmup: number; runs: number }): Promise<Samples[]> {
  for (const c of contenders) for (let i = 0; i < opts.warmup; i++) await c.run();
  const samples: Samples[] = contenders.map(() => ({ ms: [], cpuMs: 0, wallMs: 0 }));
  for (let r = 0; r < opts.runs; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (r + j) % contenders.length;
      const cpu0 = mainThreadCpuMs();
      const t0 = performance.now();
      await contenders[i]!.run();
      const dt = performance.now() - t0;
      const cpu = mainThreadCpuMs() - cpu0;
      const s = samples[i]!;
      s.ms.push(dt);
      s.cpuMs += cpu;
      s.wallMs += dt;
    }
  }
  return samples;
}

/**
 * Like timeRoundRobin, but each round runs the contenders in a fresh seeded random order. With a
 * fixed rotation every contender always follows the same one, so whatever a run leaves behind
 * (garbage to collect, a peer's device still settling) always lands on the same successor; with
 * many contenders (bench modes has up to 12) that bias is larger than the effects measured.
 */
export async function timeShuffled(contenders: readonly Contender[], opts: { warmup: number; runs: number; seed: number }): Promise<Samples[]> {
  for (const c of contenders) for (let i = 0; i < opts.warmup; i++) await c.run();
  const rand = seededRandom(opts.seed);
  const samples: Samples[] = contenders.map(() => ({ ms: [], cpuMs: 0, wallMs: 0 }));
  const order = contenders.map((_, i) => i);
  for (let r = 0; r < opts.runs; r++) {
    for (let j = order.length - 1; j > 0; j--) {
      const k = Math.floor(rand() * (j + 1));
      [order[j], order[k]] = [order[k]!, order[j]!];
    }
    for (const i of order) {
      const cpu0 = mainThreadCpuMs();
      const t0 = performance.now();
      await contenders[i]!.run();
      const dt = performance.now() - t0;
      const s = samples[i]!;
      s.ms.push(dt);
      s.cpuMs += mainThreadCpuMs() - cpu0;
      s.wallMs += dt;
    }
  }
  return samples;
}

/** Per-kernel GPU times of one profiled run, summed per plan operator (two-pass ops launch twice). */
export async function profileOps(rt: Runtime, c: CompiledModel, feeds: Readonly<Record<string, Float32Array>>): Promise<{ kernelMs: { label: string; ms: number }[]; opMs: number[] } | null> {
  const { timings } = await rt.run(c, feeds, { profile: true });
  if (timings === undefined) return null;
  const opMs: number[] = c.plan.ops.map(() => 0);
  let k = 0;
  c.kernelsPerOp.forEach((n, op) => {
    for (let j = 0; j < n; j++) opMs[op]! += timings[k++]?.ms ?? 0;
  });
  return { kernelMs: timings.map((t) => ({ label: t.label, ms: t.ms })), opMs };
}

/**
 * Operators meant to stream memory: every operator without a matmul member (cell, row, magg and
 * single elementwise/reduction ops). Their bytes over their GPU time, against the copy bandwidth,
 * say how close the generated kernels come to the memcpy floor.
 */
export function memoryBound(c: CompiledModel, op: number): boolean {
  return !c.plan.ops[op]!.members.some((m) => c.plan.model.graph.node(m).op === 'matmul');
}
