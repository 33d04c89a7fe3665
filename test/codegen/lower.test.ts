import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes, liveNodes, type ModelIR } from '../../src/ir/model.js';
import type { Node, NodeId } from '../../src/ir/node.js';
import { wgslPrelude } from '../../src/ir/ops.js';
import type { FusedOp } from '../../src/plan/plan.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { buildRecipe, recipeArb } from '../support/random-dag.js';
import { closure, fop, modelOf, runOps } from './fused-support.js';

let gpu: Runtime;
beforeAll(async () => {
  gpu = await createRuntime();
});
afterAll(() => gpu?.destroy());

const absorbable = (n: Node): boolean => n.op === 'unary' || n.op === 'binary' || n.op === 'where' || n.op === 'broadcast' || n.op === 'transpose';

/**
 * A simple partitioning: a node with one consumer, that is no model output, joins its consumer's
 * operator when the consumer is elementwise (a cell chain), a reduction (cell with aggregation) or a
 * matmul (its prologue); a matmul joins its single elementwise consumer of the same shape (its
 * epilogue). Every other node is its own operator: a cell when elementwise, else `single`.
 */
export function simplePartition(m: ModelIR): FusedOp[] {
  const g = m.graph;
  const live = liveNodes(m).filter((n) => n.op !== 'input' && n.op !== 'const' && n.op !== 'reshape');
  const consumers = new Map<NodeId, NodeId[]>();
  for (const n of liveNodes(m)) for (const i of new Set(n.inputs)) consumers.set(i, [...(consumers.get(i) ?? []), n.id]);
  const outputs = new Set(m.outputs.map((o) => o.node));
  const groupOf = new Map<NodeId, NodeId>();
  const hasMatmul = new Map<NodeId, boolean>();
  for (const n of [...live].reverse()) {
    const cs = consumers.get(n.id) ?? [];
    const c = cs.length === 1 && !outputs.has(n.id) ? g.node(cs[0]!) : undefined;
    const root = c !== undefined ? groupOf.get(c.id) : undefined;
    let join = false;
    if (c !== undefined && root !== undefined) {
      const rootNode = g.node(root);
      if (absorbable(n) && (c.op === 'unary' || c.op === 'binary' || c.op === 'where' || c.op === 'broadcast' || c.op === 'reduce' || c.op === 'matmul')) {
        join = !(rootNode.op === 'reduce' && c.op === 'matmul');
      }
      const sameShape = JSON.stringify(g.node(root).shape) === JSON.stringify(n.shape);
      if (n.op === 'matmul' && absorbable(c) && c.op !== 'transpose' && !hasMatmul.get(root) && rootNode.op !== 'reduce' && sameShape) join = true;
      // A transpose member must read an op input, and a matmul's prologue stays elementwise.
      if (c.op === 'transpose') join = false;
    }
    const r = join ? root! : n.id;
    groupOf.set(n.id, r);
    if (n.op === 'matmul') hasMatmul.set(r, true);
  }
  const groups = new Map<NodeId, NodeId[]>();
  for (const n of live) groups.set(groupOf.get(n.id)!, [...(groups.get(groupOf.get(n.id)!) ?? []), n.id]);
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([root, members], i) => {
      const r = g.node(root);
      const template = hasMatmul.get(root) ? 'matmul' : absorbable(r) && r.op !== 'transpose' ? 'cell' : r.op === 'reduce' && members.length > 1 ? 'cell' : 'single';
      return fop(g, i, members.length === 1 && template === 'matmul' ? 'single' : template, members, [root]);
    });
}

describe('lowerPlan on random DAGs', () => {
  it('matches the reference with chains fused into cell, cell+aggregate and matmul operators', async () => {
    let fused = 0;
    await fc.assert(
      fc.asyncProperty(recipeArb(), async (recipe) => {
        const b = buildRecipe(recipe);
        const ops = simplePartition(b.model);
        fused += ops.filter((o) => o.members.length > 1).length;
        await runOps(gpu, b.model, ops, { dims: b.dims, inputs: b.inputs });
      }),
      fuzzParams(100),
    );
    expect(fused).toBeGreaterThan(50);
  });
});

describe('lowerPlan contract', () => {
  it('gives every input, constant and output a buffer and counts kernels per op', async () => {
    const g = new Graph();
    const x = g.input('x', [64, 300]);
    const unused = g.input('unused', [3]);
    const c = g.constant([1, 2, 3, 4], [4]);
    const xc = g.binary('mul', g.reshape(x, [64, 75, 4]), c);
    const s = g.reduce('sum', xc, 'all');
    const m = modelOf(g, { x, unused }, { s, xc, same: x, k: c });
    const l = await runOps(gpu, m, [fop(g, 0, 'cell', [xc], [xc]), fop(g, 1, 'cell', [s], [s])]);
    expect(l.kernelsPerOp).toEqual([1, 2]);
    const exe = l.executable;
    expect(exe.inputs.map((i) => i.name)).toEqual(['x']);
    expect(exe.buffers.filter((b) => b.kind === 'const')).toHaveLength(1);
    expect(exe.outputs.map((o) => [o.name, exe.buffers[o.buffer]!.kind])).toEqual([
      ['s', 'output'],
      ['xc', 'output'],
      ['same', 'input'],
      ['k', 'const'],
    ]);
    expect(exe.kernels.map((k) => k.label)).toEqual([`op0 cell %${xc}`, `op1 cell %${s} pass 1`, `op1 cell %${s} pass 2`]);
  });

  it('rejects ops that read tensors nobody wrote, and nodes written twice', () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    const a = g.unary('exp', x);
    const b = g.unary('neg', a);
    const m = modelOf(g, { x }, { b });
    const shapes = bindShapes(m, {});
    const limits = WEBGPU_DEFAULT_LIMITS;
    expect(() => lowerPlan(m, shapes, [fop(g, 0, 'cell', [b], [b])], { limits })).toThrow(/no earlier operator writes/);
    expect(() => lowerPlan(m, shapes, [fop(g, 0, 'cell', [a], [a]), fop(g, 1, 'cell', [a, b], [a, b])], { limits })).toThrow(/written by op 0 and op 1/);
  });
});

describe('WGSL snapshots (one kernel per template)', () => {
  const body = (wgsl: string): string => wgsl.slice(wgslPrelude.trim().length).trim();
  const lower = (m: ModelIR, ops: FusedOp[]): string[] => lowerPlan(m, bindShapes(m, {}), ops, { limits: WEBGPU_DEFAULT_LIMITS }).executable.kernels.map((k) => body(k.wgsl));

  it('cell (vec4)', () => {
    const g = new Graph();
    const x = g.input('x', [16, 8]);
    const b = g.input('b', [8]);
    const y = g.unary('relu', g.binary('add', x, b));
    expect(lower(modelOf(g, { x, b }, { y }), [fop(g, 0, 'cell', closure(g, [y]), [y])])).toMatchSnapshot();
  });

  it('cell with a full aggregate (two passes)', () => {
    const g = new Graph();
    const x = g.input('x', [100000]);
    const s = g.reduce('sum', g.binary('mul', x, x), 'all');
    expect(lower(modelOf(g, { x }, { s }), [fop(g, 0, 'cell', closure(g, [s]), [s])])).toMatchSnapshot();
  });

  it('magg', () => {
    const g = new Graph();
    const x = g.input('x', [512]);
    const y = g.input('y', [512]);
    const outs = [g.reduce('sum', g.binary('mul', x, y), 'all'), g.reduce('max', y, 'all')];
    expect(lower(modelOf(g, { x, y }, { a: outs[0]!, b: outs[1]! }), [fop(g, 0, 'magg', closure(g, outs), outs)])).toMatchSnapshot();
  });

  it('row (softmax)', () => {
    const g = new Graph();
    const x = g.input('x', [8, 100]);
    const e = g.unary('exp', g.binary('sub', x, g.reduce('max', x, [1], true)));
    const y = g.binary('div', e, g.reduce('sum', e, [1], true));
    expect(lower(modelOf(g, { x }, { y }), [fop(g, 0, 'row', closure(g, [y]), [y])])).toMatchSnapshot();
  });

  it('matmul (prologue, bias + relu epilogue)', () => {
    const g = new Graph();
    const x = g.input('x', [32, 64]);
    const w = g.input('w', [64, 16]);
    const b = g.input('b', [16]);
    const y = g.unary('relu', g.binary('add', g.matmul(g.binary('mul', x, g.constant(2)), w), b));
    expect(lower(modelOf(g, { x, w, b }, { y }), [fop(g, 0, 'matmul', closure(g, [y]), [y])])).toMatchSnapshot();
  });

  it('single', () => {
    const g = new Graph();
    const x = g.input('x', [5, 7]);
    const t = g.transpose(x);
    expect(lower(modelOf(g, { x }, { t }), [fop(g, 0, 'single', [t], [t])])).toMatchSnapshot();
  });
});
