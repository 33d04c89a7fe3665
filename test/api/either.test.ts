/**
 * The typed-result API (src/api/either.ts): Right for good calls, Left carrying the FuseplanError
 * code for bad ones, and bugs (anything else thrown) rethrown rather than turned into a Left. The
 * GPU part runs on lavapipe through createRuntimeTE / runTE and fails without an adapter.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { compileE, validateFeedsE, runTE } from '../../src/api/either.js';
import { createRuntimeTE } from '../../src/api/either-node.js';
import { f32, hostTensor, model } from '../../src/dsl/index.js';
import { FuseplanError, type ErrorCode } from '../../src/ir/errors.js';
import type { Runtime } from '../../src/runtime/types.js';

const mlp = model('mlp', { x: f32(['B', 4]), w: f32([4, 3]) }, ({ x, w }) => ({ y: x.matmul(w).relu() }));
const compiled = compile(mlp, { dims: { B: 2 } });
const x = Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4]);
const w = new Float32Array(12).fill(1);

/** The Left's code and message, or a failure naming the Right it got instead. */
function leftOf<A>(r: E.Either<FuseplanError, A>): { code: ErrorCode; message: string } {
  if (E.isRight(r)) throw new Error(`expected a Left, got Right(${String(r.right)})`);
  expect(r.left).toBeInstanceOf(FuseplanError);
  return { code: r.left.code, message: r.left.message };
}

function rightOf<A>(r: E.Either<FuseplanError, A>): A {
  if (E.isLeft(r)) throw new Error(`expected a Right, got Left(${r.left.code}: ${r.left.message})`);
  return r.right;
}

describe('compileE', () => {
  it('is Right with the compiled model for a valid model and dims', () => {
    const c = rightOf(compileE(mlp, { dims: { B: 2 }, strategy: 'fuse-all' }));
    expect(c.strategy).toBe('fuse-all');
    expect(c.inputNames).toEqual(['x', 'w']);
  });

  it('is Left with the error code for bad dims, an unknown strategy and bad limits', () => {
    expect(leftOf(compileE(mlp, { dims: { B: 0 } }))).toMatchObject({ code: 'binding', message: expect.stringMatching(/dim 'B' must be bound to a positive integer, got 0/) });
    expect(leftOf(compileE(mlp))).toMatchObject({ code: 'binding', message: expect.stringMatching(/symbolic dim 'B'/) });
    expect(leftOf(compileE(mlp, { dims: { B: 2 }, strategy: 'greedy' as never }))).toMatchObject({ code: 'model', message: expect.stringMatching(/unknown strategy 'greedy'/) });
    expect(leftOf(compileE(mlp, { dims: { B: 2 }, limits: { ...compiled.limits, maxStorageBuffersPerShaderStage: 2 } })).code).toBe('limit');
  });

  it('rethrows what is not a FuseplanError instead of turning a bug into a Left', () => {
    const broken = {
      get ir(): never {
        throw new TypeError('a bug in the caller');
      },
    };
    expect(() => compileE(broken)).toThrow(TypeError);
  });
});

describe('validateFeedsE (no device)', () => {
  it('is Right with the arrays a run would upload, host tensors unwrapped', () => {
    const feeds = rightOf(validateFeedsE(compiled, { x: hostTensor([2, 4], x), w }));
    expect(feeds.x).toBe(x);
    expect(feeds.w).toBe(w);
  });

  it('is Left(input) for a wrong-length Float32Array, a host tensor of the wrong shape, wrong types and names', () => {
    expect(leftOf(validateFeedsE(compiled, { x: new Float32Array(7), w }))).toEqual({ code: 'input', message: 'input "x": expected 8 elements (shape [2, 4]), got 7' });
    expect(leftOf(validateFeedsE(compiled, { x: hostTensor([4, 2], x), w }))).toEqual({ code: 'input', message: "model 'mlp': input 'x': expected shape [2, 4], got [4, 2]" });
    expect(leftOf(validateFeedsE(compiled, { x: new Float64Array(8) as never, w })).message).toMatch(/input "x": expected Float32Array of 8 elements \(shape \[2, 4\]\), got Float64Array/);
    const names = leftOf(validateFeedsE(compiled, { x, z: w }));
    expect(names.code).toBe('input');
    expect(names.message).toMatch(/missing input 'w' \(expected Float32Array of 12 elements, shape \[4, 3\]\)/);
    expect(names.message).toMatch(/unknown input 'z'/);
    expect(leftOf(validateFeedsE(compiled, null as never)).message).toMatch(/feeds must be an object of named inputs \{ x, w \}, got null/);
  });

  it('is Left(model) when given something that is not a compiled model', () => {
    expect(leftOf(validateFeedsE({} as never, { x, w })).code).toBe('model');
  });
});

describe('createRuntimeTE and runTE on the GPU', () => {
  let gpu: Runtime;
  beforeAll(async () => {
    gpu = rightOf(await createRuntimeTE()());
  });
  afterAll(() => gpu?.destroy());

  it('runs a compiled model: Right with the outputs', async () => {
    const c = rightOf(compileE(mlp, { dims: { B: 2 }, limits: gpu.limits }));
    const result = rightOf(await runTE(gpu, c, { x: hostTensor([2, 4], x), w })());
    expect(Array.from(result.outputs.y!)).toEqual([10, 10, 10, 0, 0, 0]);
  });

  it('bad feeds are the same Left as validateFeedsE gives, and the runtime stays usable', async () => {
    const c = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    const bad = [{ x: new Float32Array(7), w }, { x: hostTensor([4, 2], x), w }, { x }];
    for (const feeds of bad) {
      const run = leftOf(await runTE(gpu, c, feeds as never)());
      expect(run.code).toBe('input');
      expect(leftOf(validateFeedsE(c, feeds as never)).code).toBe(run.code);
    }
    expect(E.isRight(await runTE(gpu, c, { x, w })())).toBe(true);
  });

  it('is Left(limit) for an invalid runtime option and Left(device) on a destroyed runtime', async () => {
    expect(leftOf(await createRuntimeTE({ pipelineCacheSize: 0 })()).code).toBe('limit');
    const other = rightOf(await createRuntimeTE()());
    other.destroy();
    expect(leftOf(await runTE(other, compiled, { x, w })())).toEqual({ code: 'device', message: 'runtime used after destroy()' });
  });
});
