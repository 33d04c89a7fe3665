/**
 * Issue 7, part 1: every public entry point rejects bad input with a typed FuseplanError whose
 * message names the tensor, what was expected and what was given, and a failed call leaves the
 * runtime usable. docs/reliability.md lists these messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { f32, feeds, hostTensor, model } from '../../src/dsl/index.js';
import { FuseplanError, type ErrorCode } from '../../src/ir/errors.js';
import { Graph } from '../../src/ir/graph.js';
import type { ModelIR } from '../../src/ir/model.js';
import type { Node } from '../../src/ir/node.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

/** The FuseplanError f throws (sync or async); fails the test on anything else. */
async function caught(f: () => unknown): Promise<FuseplanError> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof FuseplanError)) throw new Error(`expected a FuseplanError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('expected an error, got none');
}

/** Asserts the code and that the message contains every fragment (tensor, expected, actual). */
async function rejects(f: () => unknown, code: ErrorCode, ...fragments: (string | RegExp)[]): Promise<string> {
  const e = await caught(f);
  expect(e.code, e.message).toBe(code);
  for (const s of fragments) {
    if (typeof s === 'string') expect(e.message).toContain(s);
    else expect(e.message).toMatch(s);
  }
  return e.message;
}

const mlp = model('mlp', { x: f32(['B', 4]), w: f32([4, 3]) }, ({ x, w }) => ({ y: x.matmul(w).relu() }));
const X = Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4]);
const W = new Float32Array(12).fill(1);

describe('shapes and dims', () => {
  it('rejects NaN, zero, negative, fractional and non-identifier dims when declaring inputs', async () => {
    const bad = (shape: unknown[]) => () => model('m', { x: f32(shape as number[]) }, ({ x }) => ({ y: x.exp() }));
    await rejects(bad([Number.NaN]), 'shape', "input 'x'", 'dimension NaN', 'positive integer');
    await rejects(bad([2, 0]), 'shape', "input 'x'", 'dimension 0');
    await rejects(bad([-3]), 'shape', "input 'x'", 'dimension -3');
    await rejects(bad([2.5]), 'shape', "input 'x'", 'dimension 2.5');
    await rejects(bad(['B C']), 'shape', "input 'x'", '"B C"', 'identifier');
    await rejects(() => f32(5 as unknown as number[]), 'model', 'must be an array', 'got 5');
  });

  it('rejects unbound, unknown, NaN, negative, zero, fractional, infinite and string dims at compile', async () => {
    await rejects(() => compile(mlp), 'binding', "symbolic dim 'B'", "input 'x'", 'not bound');
    await rejects(() => compile(mlp, { dims: { B: 2, T: 3 } }), 'binding', "dim 'T'", "model 'mlp'", 'its dims: B');
    for (const [v, shown] of [[Number.NaN, 'NaN'], [-1, '-1'], [0, '0'], [1.5, '1.5'], [Infinity, 'Infinity']] as const) {
      await rejects(() => compile(mlp, { dims: { B: v } }), 'binding', "dim 'B'", 'positive integer', `got ${shown}`);
    }
    await rejects(() => compile(mlp, { dims: { B: '2' as unknown as number } }), 'binding', "dim 'B'", 'got the string "2"');
    await rejects(() => compile(mlp, { dims: 5 as unknown as Record<string, number> }), 'binding', 'dims must be an object', 'got 5');
  });

  it('rejects shapes that do not broadcast or multiply, naming both shapes', async () => {
    await rejects(() => model('b', { a: f32([2, 3]), b: f32([4]) }, ({ a, b }) => ({ y: a.add(b as never) })), 'shape', '[2, 3]', '[4]', 'do not broadcast');
    await rejects(() => model('mm', { a: f32([2, 3]), b: f32([4, 5]) }, ({ a, b }) => ({ y: a.matmul(b as never) })), 'shape', 'inner dims differ', '[2, 3]', '[4, 5]');
  });

  it('rejects conflicting symbolic dims between inputs', async () => {
    const add = model('add', { a: f32(['N']), b: f32(['N']) }, ({ a, b }) => ({ y: a.add(b) }));
    const a = hostTensor([3], new Float32Array(3));
    const b = hostTensor([4], new Float32Array(4));
    await rejects(() => feeds(add, { a, b } as never), 'input', "input 'b'", "dim 'N' is 4", "3 in input 'a'");
    const plan = compile(add, { dims: { N: 3 }, limits: gpu.limits });
    await rejects(() => gpu.run(plan, { a, b }), 'input', "input 'b'", 'expected shape [3]', 'got [4]');
  });
});

describe('run-time data', () => {
  it('rejects wrong dtypes: Float64Array, number[], Int32Array, null, a string', async () => {
    const plan = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    for (const [x, got] of [
      [new Float64Array(8), 'got Float64Array'],
      [[1, 2, 3, 4, 5, 6, 7, 8], 'got Array(8)'],
      [new Int32Array(8), 'got Int32Array'],
      [null, 'got null'],
      ['12345678', 'got string'],
    ] as const) {
      await rejects(() => gpu.run(plan, { x: x as unknown as Float32Array, w: W }), 'input', 'input "x"', 'expected Float32Array of 8 elements (shape [2, 4])', got);
      await rejects(() => gpu.execute(plan.executable, { x: x as unknown as Float32Array, w: W }), 'input', 'input "x"', 'expected Float32Array', got);
    }
    await rejects(() => hostTensor([2, 4], new Float64Array(8) as unknown as Float32Array), 'input', 'hostTensor', 'Float32Array');
  });

  it('rejects wrong lengths and wrong host-tensor shapes (also when the length happens to match)', async () => {
    const plan = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    await rejects(() => gpu.run(plan, { x: new Float32Array(7), w: W }), 'input', 'input "x"', 'expected 8 elements (shape [2, 4])', 'got 7');
    await rejects(() => gpu.run(plan, { x: hostTensor([4, 2], new Float32Array(8)), w: W }), 'input', "input 'x'", 'expected shape [2, 4]', 'got [4, 2]');
    await rejects(() => gpu.run(plan, { x: hostTensor([3, 4], new Float32Array(12)), w: W }), 'input', "input 'x'", 'expected shape [2, 4]', 'got [3, 4]');
    await rejects(() => hostTensor([2, 4], new Float32Array(9)), 'input', 'shape [2, 4] has 8 elements', 'data has 9');
  });

  it('rejects missing, unknown and non-object feeds', async () => {
    const plan = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    await rejects(() => gpu.run(plan, { w: W } as never), 'input', "missing input 'x'");
    await rejects(() => gpu.run(plan, { x: X, w: W, z: X } as never), 'input', "unknown input 'z'", 'declares: x, w');
    await rejects(() => gpu.run(plan, null as never), 'input', "model 'mlp'", 'feeds must be an object', 'got null');
    await rejects(() => gpu.run(plan, X as never), 'input', 'feeds must be an object', 'got Float32Array');
    await rejects(() => gpu.execute(plan.executable, { w: W }), 'input', 'missing input "x"', '8 elements');
  });

  it('stays usable after every failed call, with nothing left allocated', async () => {
    const plan = compile(mlp, { dims: { B: 2 }, limits: gpu.limits });
    await caught(() => gpu.run(plan, { x: new Float64Array(8) as never, w: W }));
    const { outputs } = await gpu.run(plan, { x: X, w: W });
    expect(Array.from(outputs.y!)).toEqual([10, 10, 10, 0, 0, 0]);
    expect(gpu.stats().liveBuffers).toBe(0);
  });
});

describe('malformed models', () => {
  it('rejects a DSL model with no outputs, a non-tensor output or an empty name', async () => {
    await rejects(() => model('m', { x: f32([2]) }, () => ({})), 'model', "model 'm' has no outputs");
    await rejects(() => model('m', { x: f32([2]) }, () => ({ y: 3 as never })), 'model', "output 'y' is not a tensor");
    await rejects(() => model('', { x: f32([2]) }, ({ x }) => ({ y: x })), 'model', 'non-empty name');
    let leaked: unknown;
    model('other', { x: f32([2]) }, ({ x }) => ((leaked = x), { y: x.exp() }));
    await rejects(() => model('m', { x: f32([2]) }, ({ x }) => ({ y: x.add(leaked as never) })), 'model', 'different models');
  });

  it('rejects duplicate input and output names', async () => {
    const g = new Graph();
    g.input('a', [2]);
    await rejects(() => g.input('a', [2]), 'model', "duplicate input name 'a'");
    const { ir, b, e } = small();
    await rejects(() => compile({ ...ir, inputs: [{ name: 'b', node: b }, { name: 'b', node: b }] }), 'model', "model 'h'", "duplicate input name 'b'");
    await rejects(() => compile({ ...ir, outputs: [{ name: 'y', node: e }, { name: 'y', node: e }] }), 'model', "duplicate output name 'y'");
  });

  it('rejects hand-built ModelIRs: no outputs, foreign or out-of-range nodes, cycles, forward edges, bad ids', async () => {
    const { ir, g } = small();
    await rejects(() => compile({ ...ir, outputs: [] }), 'model', "model 'h' has no outputs");
    // An output id from a bigger graph, a negative id, a tensor object instead of an id.
    await rejects(() => compile({ ...ir, outputs: [{ name: 'y', node: 5 }] }), 'model', "output 'y'", 'not a node of this model', 'node 5', 'graph has 2 nodes');
    await rejects(() => compile({ ...ir, outputs: [{ name: 'y', node: -1 }] }), 'model', "output 'y'", 'node -1');
    await rejects(() => compile({ ...ir, outputs: [{ name: 'y', node: { node: 1 } as never }] }), 'model', "output 'y'", 'not a node');
    await rejects(() => compile(withNode(g, ir, 1, { inputs: [1] })), 'model', 'node %1 reads %1', 'cycle or foreign node');
    await rejects(() => compile(withNode(g, ir, 1, { inputs: [7] })), 'model', 'node %1 reads %7');
    await rejects(() => compile(withNode(g, ir, 1, { id: 0 })), 'model', 'index 1 has id 0');
    await rejects(() => compile(withNode(g, ir, 1, { inputs: [] })), 'model', 'node %1 (unary) must have 1 inputs, got 0');
    await rejects(() => compile(withNode(g, ir, 0, { shape: [Number.NaN] })), 'shape', "node %0 (input 'b')", 'dimension NaN');
    await rejects(() => compile(withNode(g, ir, 1, { op: 'bogus' as never })), 'model', 'node %1 is not a node', '"bogus"');
  });

  it('rejects input lists that do not describe the graph (an unlisted input would run as zeros)', async () => {
    const { ir, b, e } = small();
    await rejects(() => compile({ ...ir, inputs: [] }), 'model', "input 'b' (%0) is used by the outputs but missing from model.inputs");
    await rejects(() => compile({ ...ir, inputs: [{ name: 'b', node: e }] }), 'model', "input 'b' points at %1, a unary node");
    await rejects(() => compile({ ...ir, inputs: [{ name: 'zz', node: b }] }), 'model', "input 'zz' points at %0", "the input named 'b'");
  });

  it('rejects non-models, non-graphs, unknown strategies and impossible limits', async () => {
    const { ir } = small();
    await rejects(() => compile(null as never), 'model', 'expected a model', 'got null');
    await rejects(() => compile({ name: 'h' } as never), 'model', "model 'h'", 'graph must be a Graph', 'got undefined');
    await rejects(() => compile({ ...ir, graph: { nodes: [] } as never }), 'model', 'graph must be a Graph', 'got an object');
    await rejects(() => compile({ ...ir, name: 42 as never }), 'model', 'non-empty string name', 'got 42');
    await rejects(() => compile(ir, { strategy: 'fast' as never }), 'model', "unknown strategy 'fast'", 'cost');
    await rejects(() => compile(ir, { materialize: [999] }), 'model', "model 'h'", 'materialize: 999 is not a node', 'it has 2 nodes');
    await rejects(() => compile(ir, { limits: { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 0 } }), 'limit', 'maxStorageBuffersPerShaderStage', 'got 0');
    await rejects(() => compile(ir, { limits: { ...WEBGPU_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 3 } }), 'limit', 'maxStorageBuffersPerShaderStage = 3', 'below 4');
    await rejects(() => compile(ir, { limits: { ...WEBGPU_DEFAULT_LIMITS, maxBufferSize: Number.NaN } }), 'limit', 'maxBufferSize', 'got NaN');
    await rejects(() => createRuntime({ pipelineCacheSize: 0 }), 'limit', 'pipelineCacheSize', 'got 0');
  });

  it('compiles the well-formed version of every model above', async () => {
    const { ir } = small();
    const plan = compile(ir, { limits: gpu.limits });
    const { outputs } = await gpu.run(plan, { b: Float32Array.from([0, 1]) });
    expect(outputs.y![0]).toBe(1);
    expect(outputs.y![1]).toBeCloseTo(Math.E, 5);
  });
});

/** A two-node hand-built model: y = exp(b). */
function small(): { ir: ModelIR; g: Graph; b: number; e: number } {
  const g = new Graph();
  const b = g.input('b', [2]);
  const e = g.unary('exp', b);
  return { ir: { name: 'h', graph: g, inputs: [{ name: 'b', node: b }], outputs: [{ name: 'y', node: e }] }, g, b, e };
}

/** The model with node `i` replaced by a tampered copy (what a hand-built graph could hold). */
function withNode(g: Graph, ir: ModelIR, i: number, patch: Partial<Record<keyof Node, unknown>>): ModelIR {
  const copy = new Graph();
  for (const n of g.nodes) (copy.nodes as Node[]).push(n.id === i ? ({ ...n, ...patch } as Node) : n);
  return { ...ir, graph: copy };
}
