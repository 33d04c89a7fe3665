import { describe, expect, it } from 'vitest';
import { FuseplanError } from '../../src/ir/errors.js';
import { Graph } from '../../src/ir/graph.js';
import { liveNodes } from '../../src/ir/model.js';
import type { Node } from '../../src/ir/node.js';
import {
  add,
  constant,
  f32,
  feeds,
  gelu,
  hostTensor,
  inferDims,
  layerNorm,
  linear,
  logSoftmax,
  matmul,
  max,
  mean,
  model,
  mul,
  reduceMax,
  relu,
  rmsNorm,
  softmax,
  sub,
  sum,
  tensorOf,
  transpose,
  where,
  type AnyModel,
  type Shape,
  type Tensor,
} from '../../src/dsl/index.js';

/** Builds a model whose inputs have wide (untyped) shapes, the way generated programs do. */
function untyped(shapes: Record<string, Shape>, build: (t: Record<string, Tensor>) => Record<string, Tensor>): AnyModel {
  const specs = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, f32(s)]));
  return model('untyped', specs, (t) => build(t as Record<string, Tensor>));
}

const expectError = (code: string, f: () => unknown, msg?: RegExp): void => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FuseplanError);
    expect((e as FuseplanError).code).toBe(code);
    if (msg) expect((e as Error).message).toMatch(msg);
    return;
  }
  throw new Error(`expected FuseplanError('${code}')`);
};

const ops = (m: AnyModel): string[] =>
  liveNodes(m.ir).map((n: Node) => (n.op === 'unary' || n.op === 'binary' || n.op === 'reduce' ? `${n.op}:${n.fn}` : n.op));

describe('model()', () => {
  const mlp = model('mlp', { x: f32(['B', 784]), w: f32([784, 256]), b: f32([256]) }, ({ x, w, b }) => ({
    y: x.matmul(w).add(b).relu(),
  }));

  it('builds a validated ModelIR with named inputs and outputs', () => {
    expect(mlp.name).toBe('mlp');
    expect(mlp.ir.inputs.map((i) => i.name)).toEqual(['x', 'w', 'b']);
    expect(mlp.ir.outputs.map((o) => o.name)).toEqual(['y']);
    expect(mlp.outputs.y).toEqual(['B', 256]);
    expect(mlp.inputs.x.shape).toEqual(['B', 784]);
    expect(ops(mlp)).toEqual(['input', 'input', 'input', 'matmul', 'binary:add', 'unary:relu']);
  });

  it('builds a fresh graph per call', () => {
    const build = () => model('m', { x: f32([2]) }, ({ x }) => ({ y: x.exp() }));
    expect(build().ir.graph).not.toBe(build().ir.graph);
  });

  it('supports several outputs, also sharing a node', () => {
    const m = model('two', { x: f32([4]) }, ({ x }) => ({ a: x.exp(), b: x.exp(), c: x.sum() }));
    expect(m.ir.outputs.map((o) => o.name)).toEqual(['a', 'b', 'c']);
    expect(m.ir.outputs[0]!.node).toBe(m.ir.outputs[1]!.node);
    expect(m.outputs.c).toEqual([]);
  });

  it('offers constants through the builder', () => {
    const m = model('c', { x: f32([2, 3]) }, ({ x }, b) => ({ y: x.mul(b.constant([3], [1, 2, 3])).add(b.scalar(1)) }));
    const consts = m.ir.graph.nodes.filter((n) => n.op === 'const');
    expect(consts.map((n) => n.shape)).toEqual([[3], []]);
  });

  it('rejects malformed models', () => {
    expectError('model', () => model('m', { x: f32([2]) }, () => ({})), /no outputs/);
    expectError('model', () => model('m', { x: f32([2]) }, () => ({ y: 3 }) as never), /not a tensor/);
    const other = model('o', { z: f32([2]) }, ({ z }) => ({ z }));
    const foreign = tensorOf(other.ir.graph, 0);
    expectError('model', () => model('m', { x: f32([2]) }, () => ({ y: foreign })), /another model/);
    expectError('model', () => model('m', { x: f32([2]) }, ({ x }) => ({ y: x.add(foreign) })), /different models/);
    expectError('model', () => model('m', { x: { shape: [2] } } as never, ({ x }) => ({ x })), /f32/);
    expectError('shape', () => model('m', { x: f32([0]) }, ({ x }) => ({ x })));
  });
});

describe('hash-consing through the DSL', () => {
  it('makes the same expression one node, a+b and b+a included', () => {
    model('cse', { a: f32([3]), b: f32([3]) }, ({ a, b }) => {
      expect(a.add(b).node).toBe(a.add(b).node);
      expect(a.add(b).node).toBe(b.add(a).node);
      expect(a.mul(b).node).toBe(mul(b, a).node);
      expect(a.sub(b).node).not.toBe(b.sub(a).node);
      expect(a.add(2).node).toBe(add(2, a).node);
      expect(softmax(a).node).toBe(softmax(a).node);
      return { y: a };
    });
  });

  it('builds the same nodes fluently and with free functions', () => {
    model('ff', { x: f32(['B', 4]), w: f32([4, 5]) }, ({ x, w }) => {
      expect(x.matmul(w).node).toBe(matmul(x, w).node);
      expect(x.relu().node).toBe(relu(x).node);
      expect(x.maximum(0).node).toBe(max(x, 0).node);
      expect(x.sum(-1, { keepDims: true }).node).toBe(sum(x, 1, { keepDims: true }).node);
      expect(x.max(1).node).toBe(reduceMax(x, -1).node);
      expect(x.mean(1).node).toBe(mean(x, -1).node);
      expect(x.transpose().node).toBe(transpose(x, [1, 0]).node);
      expect(x.sub(1).node).not.toBe(sub(1, x).node);
      expect(x.transpose([0, 1]).node).toBe(x.node);
      return { y: x };
    });
  });
});

describe('op shapes at run time', () => {
  it('matches the static shapes', () => {
    model('s', { x: f32(['B', 784]), a: f32([2, 3, 4]), r: f32([1, 'B']) }, ({ x, a, r }) => {
      expect(a.matmul(constant(a, [4, 5], 0)).shape).toEqual([2, 3, 5]);
      expect(a.matmul(constant(a, [2, 4, 6], 0)).shape).toEqual([2, 3, 6]);
      expect(a.sum([0, -1], { keepDims: true }).shape).toEqual([1, 3, 1]);
      expect(a.min().shape).toEqual([]);
      expect(a.max(undefined, { keepDims: true }).shape).toEqual([1, 1, 1]);
      expect(a.transpose().shape).toEqual([4, 3, 2]);
      expect(a.transpose([0, 2, 1]).shape).toEqual([2, 4, 3]);
      expect(r.transpose().add(r).shape).toEqual(['B', 'B']);
      expect(x.reshape(['B', 28, 28]).shape).toEqual(['B', 28, 28]);
      expect(constant(x, [784], 0).broadcastTo(['B', 784]).shape).toEqual(['B', 784]);
      expect(where(a.gt(0), a, 0).shape).toEqual([2, 3, 4]);
      expect(x.lt(0).dtype).toBe('f32');
      return { y: x };
    });
  });

  it('computes mean as sum * (1/n) over literal dims', () => {
    const m = model('mean', { x: f32([2, 4, 5]) }, ({ x }) => ({ y: x.mean([1, 2]) }));
    expect(ops(m)).toEqual(['input', 'reduce:sum', 'const', 'binary:mul']);
    const c = m.ir.graph.nodes.find((n) => n.op === 'const');
    expect(c?.op === 'const' && c.data).toEqual([1 / 20]);
  });

  it('rejects untyped misuse with FuseplanError', () => {
    const shape = (build: (t: Record<string, Tensor>) => Tensor) => () => untyped({ a: [3, 4], b: [5], s: ['B', 4] }, (t) => ({ y: build(t) }));
    expectError('shape', shape(({ a, b }) => a!.add(b!)), /do not broadcast/);
    expectError('shape', shape(({ a, s }) => a!.add(s!)), /do not broadcast/);
    expectError('shape', shape(({ a }) => a!.matmul(a!)), /inner dims/);
    expectError('shape', shape(({ a }) => a!.sum(2)), /axis 2 does not exist/);
    expectError('shape', shape(({ s }) => s!.mean(0)), /symbolic dim 'B'/);
    expectError('shape', shape(({ s }) => s!.mean()), /symbolic dim 'B'/);
    expectError('shape', shape(({ a }) => a!.transpose([0, 0])), /not a permutation/);
    expectError('shape', shape(({ a }) => a!.reshape([5, 5])), /different sizes/);
    expectError('shape', shape(({ b }) => b!.broadcastTo([5, 2])), /broadcast/);
    expectError('shape', shape(({ a }) => a!.sum('x' as never)), /axes must be/);
    expectError('model', shape(({ a }) => add(1 as never, 2 as never) ?? a!), /at least one tensor/);
    expectError('model', shape(({ a }) => a!.add('1' as never)), /tensor or a number/);
    expectError('shape', shape(({ a }) => constant(a!, [2], [1, 2, 3])), /needs 2 values/);
    expectError('shape', shape(({ a }) => constant(a!, ['B'] as never, 1)), /literal dims/);
  });
});

describe('composites', () => {
  it('build only primitive nodes in the expected pattern', () => {
    const m = model('sm', { x: f32([2, 8]) }, ({ x }) => ({ y: softmax(x) }));
    expect(ops(m)).toEqual(['input', 'reduce:max', 'binary:sub', 'unary:exp', 'reduce:sum', 'binary:div']);
    const ls = model('ls', { x: f32([2, 8]) }, ({ x }) => ({ y: logSoftmax(x, 0) }));
    expect(ops(ls)).toEqual(['input', 'reduce:max', 'binary:sub', 'unary:exp', 'reduce:sum', 'unary:log', 'binary:sub']);
    const primitive = new Set(['input', 'const', 'unary', 'binary', 'where', 'reduce', 'matmul', 'transpose', 'reshape', 'broadcast']);
    const all = model('all', { x: f32(['B', 8]), w: f32([8, 8]), g: f32([8]) }, ({ x, w, g }) => ({
      a: layerNorm(x, g, g),
      b: rmsNorm(x, g),
      c: gelu(x),
      d: linear(x, w, g),
      e: layerNorm(x),
    }));
    for (const n of all.ir.graph.nodes) expect(primitive.has(n.op)).toBe(true);
    expect(all.outputs).toEqual({ a: ['B', 8], b: ['B', 8], c: ['B', 8], d: ['B', 8], e: ['B', 8] });
  });

  it('normalizes with the biased variance and eps inside the rsqrt', () => {
    const m = model('ln', { x: f32([3, 4]) }, ({ x }) => ({ y: layerNorm(x, undefined, undefined, 1e-3) }));
    expect(ops(m)).toEqual([
      'input',
      'reduce:sum',
      'const',
      'binary:mul',
      'binary:sub',
      'binary:mul',
      'reduce:sum',
      'binary:mul',
      'const',
      'binary:add',
      'unary:rsqrt',
      'binary:mul',
    ]);
    const eps = m.ir.graph.nodes.filter((n) => n.op === 'const').map((n) => (n.op === 'const' ? n.data[0] : 0));
    expect(eps).toEqual([1 / 4, 1e-3]);
  });

  it('shares subexpressions between composites', () => {
    const m = model('share', { x: f32([2, 8]) }, ({ x }) => ({ a: softmax(x), b: logSoftmax(x) }));
    const maxes = m.ir.graph.nodes.filter((n) => n.op === 'reduce' && n.fn === 'max');
    expect(maxes).toHaveLength(1);
  });
});

describe('host tensors and feeds', () => {
  const m = model('f', { x: f32(['B', 4]), y: f32(['B', 2]), w: f32([4, 2]) }, ({ x, y, w }) => ({ z: x.matmul(w).add(y) }));
  const data = (n: number) => new Float32Array(n);

  it('checks host tensor sizes', () => {
    expect(hostTensor([2, 3], data(6)).shape).toEqual([2, 3]);
    expectError('input', () => hostTensor([2, 3], data(5)), /6 elements/);
    expectError('input', () => hostTensor([2, 0], data(0)));
    expectError('input', () => hostTensor([2], [1, 2] as never), /Float32Array/);
  });

  it('returns feeds unchanged and infers symbolic dims', () => {
    const f = feeds(m, { x: hostTensor([3, 4], data(12)), y: data(6), w: data(8) });
    expect(f.y).toBeInstanceOf(Float32Array);
    expect(inferDims(m, f)).toEqual({ B: 3 });
  });

  it('rejects misfitting feeds at run time', () => {
    const feed = (f: Record<string, unknown>) => () => inferDims(m, f);
    expectError('input', feed({ x: data(12), y: data(6) }), /missing input 'w'/);
    expectError('input', feed({ x: data(12), y: data(6), w: data(8), q: data(1) }), /'q' is not an input/);
    expectError('input', feed({ x: hostTensor([3, 5], data(15)), y: data(6), w: data(8) }), /dim 1 is 5, not 4/);
    expectError('input', feed({ x: hostTensor([3, 4], data(12)), y: hostTensor([2, 2], data(4)), w: data(8) }), /'B' is 2 here but 3/);
    expectError('input', feed({ x: hostTensor([3, 4], data(12)), y: data(5), w: data(8) }), /needs 6 values/);
    expectError('input', feed({ x: data(12), y: data(6), w: data(9) }), /needs 8 values/);
    expectError('input', feed({ x: [1, 2], y: data(6), w: data(8) }), /Float32Array or a hostTensor/);
  });
});

describe('the untyped path', () => {
  it('builds through tensorOf on a bare graph', () => {
    const g = new Graph();
    const a = tensorOf(g, g.input('a', [2, 3]));
    const b = tensorOf(g, g.input('b', [3]));
    expect(add(a, b).shape).toEqual([2, 3]);
    expect(constant(g, [3], 1).add(b).shape).toEqual([3]);
  });
});
