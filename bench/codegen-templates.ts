/**
 * Each fused template's kernel against the unfused one-kernel-per-op baseline, on persistent
 * buffers (kernel time only; see gpu-timing.ts). Median of several interleaved rounds.
 *
 *   npx tsx bench/codegen-templates.ts [runs]
 */
import { lowerPlan, type LowerPlanOptions } from '../src/codegen/lower.js';
import { lowerUnfused } from '../src/codegen/lower-unfused.js';
import { Graph } from '../src/ir/graph.js';
import { bindShapes, type ModelIR } from '../src/ir/model.js';
import type { NodeId } from '../src/ir/node.js';
import type { FusedOp, Template } from '../src/plan/plan.js';
import type { Executable } from '../src/codegen/kernel.js';
import { createRuntime } from '../src/runtime/index.js';
import { median, prepare } from './gpu-timing.js';

const runs = Number(process.argv[2] ?? 5);

interface Case {
  readonly name: string;
  readonly model: ModelIR;
  readonly ops: FusedOp[];
  /** Non-default kernel choices to compare with the default. */
  readonly alternatives?: readonly { readonly name: string; readonly opts: Omit<LowerPlanOptions, 'limits'> }[];
}

/** One fused op over every non-leaf node the outputs depend on. */
function fused(g: Graph, name: string, inputs: Record<string, NodeId>, outputs: Record<string, NodeId>, template: Template, alternatives: Case['alternatives'] = []): Case {
  const model: ModelIR = { name, graph: g, inputs: Object.entries(inputs).map(([n, node]) => ({ name: n, node })), outputs: Object.entries(outputs).map(([n, node]) => ({ name: n, node })) };
  const members = new Set<NodeId>();
  const ins = new Set<NodeId>();
  const visit = (id: NodeId): void => {
    const n = g.node(id);
    if (members.has(id)) return;
    if (n.op === 'input' || n.op === 'const' || n.op === 'reshape') return void ins.add(id);
    members.add(id);
    n.inputs.forEach((i) => (n.op === 'transpose' ? ins.add(i) : visit(i)));
  };
  Object.values(outputs).forEach(visit);
  const asc = (s: Set<NodeId>): NodeId[] => [...s].sort((p, q) => p - q);
  return { name, model, alternatives, ops: [{ id: 0, template, members: asc(members), outputs: Object.values(outputs).sort((p, q) => p - q), inputs: asc(ins) }] };
}

const GROUP = [{ name: 'group layout', opts: { reduce: { layout: 'group' as const } } }];
const LANES = [4, 32, 256].map((lanes) => ({ name: `${lanes} lanes/row`, opts: { row: { lanes } } }));

function cases(): Case[] {
  const out: Case[] = [];
  {
    const g = new Graph();
    const x = g.input('x', [16 << 20]);
    const y = g.input('y', [16 << 20]);
    out.push(fused(g, 'sum(x*y), 16M (cell + full aggregate, two passes)', { x, y }, { s: g.reduce('sum', g.binary('mul', x, y), 'all') }, 'cell', GROUP));
  }
  {
    const g = new Graph();
    const x = g.input('x', [4096, 1024]);
    out.push(fused(g, 'column sums of exp(x), [4096, 1024]', { x }, { s: g.reduce('sum', g.unary('exp', x), [0]) }, 'cell', [{ name: 'scalar loads', opts: { reduce: { vectorize: false } } }]));
  }
  {
    const g = new Graph();
    const x = g.input('x', [4096, 4096]);
    out.push(fused(g, 'row sums of x*x, [4096, 4096]', { x }, { s: g.reduce('sum', g.binary('mul', x, x), [1]) }, 'cell', GROUP));
  }
  {
    const g = new Graph();
    const x = g.input('x', [65536, 256]);
    out.push(fused(g, 'row sums of x*x, [65536, 256]', { x }, { s: g.reduce('sum', g.binary('mul', x, x), [1]) }, 'cell', GROUP));
  }
  {
    const g = new Graph();
    const x = g.input('x', [8192, 512]);
    const e = g.unary('exp', g.binary('sub', x, g.reduce('max', x, [1], true)));
    out.push(fused(g, 'softmax [8192, 512] (row)', { x }, { y: g.binary('div', e, g.reduce('sum', e, [1], true)) }, 'row', LANES));
  }
  {
    const g = new Graph();
    const x = g.input('x', [4096, 1024]);
    const mean = g.binary('mul', g.reduce('sum', x, [1], true), g.constant(1 / 1024));
    const d = g.binary('sub', x, mean);
    const v = g.binary('mul', g.reduce('sum', g.binary('mul', d, d), [1], true), g.constant(1 / 1024));
    out.push(fused(g, 'layer norm [4096, 1024] (row)', { x }, { y: g.binary('mul', d, g.unary('rsqrt', g.binary('add', v, g.constant(1e-5)))) }, 'row', LANES));
  }
  for (const n of [256, 512]) {
    const g = new Graph();
    const x = g.input('x', [n, n]);
    const w = g.input('w', [n, n]);
    const b = g.input('b', [n]);
    out.push(fused(g, `relu(x @ w + b), ${n}^3 (matmul + epilogue)`, { x, w, b }, { y: g.unary('relu', g.binary('add', g.matmul(x, w), b)) }, 'matmul'));
  }
  return out;
}

const gpu = await createRuntime();
try {
  const list = cases();
  const unfused = list.map((c) => lowerUnfused(c.model, {}, { maxWorkgroupsPerDim: gpu.limits.maxComputeWorkgroupsPerDimension }));
  const variants = list.map((c) => [{ name: 'default', opts: {} }, ...(c.alternatives ?? [])].map((v) => ({ ...v, exe: lowerPlan(c.model, bindShapes(c.model, {}), c.ops, { ...v.opts, limits: gpu.limits }).executable })));
  const fusedTimes = variants.map((vs) => vs.map(() => [] as number[]));
  const unfusedTimes = list.map(() => [] as number[]);
  const measure = async (exe: Executable): Promise<number> => {
    const p = await prepare(gpu, exe);
    const t = await p.once();
    p.free();
    return t;
  };
  for (let r = 0; r < runs; r++) {
    for (const [i, vs] of variants.entries()) {
      for (const [j, v] of vs.entries()) fusedTimes[i]![j]!.push(await measure(v.exe));
      unfusedTimes[i]!.push(await measure(unfused[i]!));
    }
  }
  console.log(`median of ${runs} rounds, adapter ${gpu.adapterInfo.device} (${gpu.adapterInfo.architecture})`);
  console.log('| case | variant | kernels | ms | unfused kernels | unfused ms | speedup |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  list.forEach((c, i) => {
    const u = median(unfusedTimes[i]!);
    variants[i]!.forEach((v, j) => {
      const f = median(fusedTimes[i]![j]!);
      console.log(`| ${j === 0 ? c.name : ''} | ${v.name} | ${v.exe.kernels.length} | ${f.toFixed(1)} | ${j === 0 ? unfused[i]!.kernels.length : ''} | ${j === 0 ? u.toFixed(1) : ''} | ${(u / f).toFixed(1)}x |`);
    });
  });
} finally {
  gpu.destroy();
}
