/**
 * The bench workloads (bench/workloads.ts) as ONNX graphs, written the way an exporter would emit
 * them (standard opset-17 ops, GELU in its tanh form), so onnxruntime-web runs the same
 * computation as fuseplan and tfjs. Shapes are the concrete input shapes of one binding.
 */
import { attr, onnxModel, onnxNode, type OnnxNode } from './onnx-model.js';

type Shapes = Readonly<Record<string, readonly number[]>>;

/** Names intermediate values and scalar constants while a graph is written. */
class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  private n = 0;
  op(type: string, inputs: readonly string[], attrs: Parameters<typeof onnxNode>[3] = []): string {
    const out = `t${this.n++}`;
    this.nodes.push(onnxNode(type, inputs, [out], attrs));
    return out;
  }
  scalar(v: number): string {
    return this.op('Constant', [], [attr.float('value_float', v)]);
  }
  /** The final value under its output name. */
  output(name: string, value: string): void {
    this.nodes.push(onnxNode('Identity', [value], [name]));
  }
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
function gelu(g: GraphWriter, x: string): string {
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
}

type Writer = (g: GraphWriter) => Record<string, string>;

const WRITERS: Readonly<Record<string, Writer>> = {
  'ew-chain': (g) => ({ y: g.op('Add', [g.op('Mul', [g.op('Tanh', [g.op('Add', [g.op('Mul', ['a', 'b']), 'c'])]), g.op('Sigmoid', ['c'])]), g.op('Mul', ['a', g.scalar(0.5)])]) }),
  'bias-gelu': (g) => ({ y: gelu(g, g.op('Add', ['x', 'b'])) }),
  softmax: (g) => ({ y: g.op('Softmax', ['x'], [attr.int('axis', -1)]) }),
  layernorm: (g) => ({ y: g.op('LayerNormalization', ['x', 'gamma', 'beta'], [attr.int('axis', -1), attr.float('epsilon', 1e-5)]) }),
  'magg-3sums': (g) => {
    const sum = (v: string): string => g.op('ReduceSum', [v], [attr.int('keepdims', 0)]);
    return { sxy: sum(g.op('Mul', ['x', 'y'])), sxx: sum(g.op('Mul', ['x', 'x'])), syy: sum(g.op('Mul', ['y', 'y'])) };
  },
  mlp: (g) => {
    const h = gelu(g, g.op('Add', [g.op('MatMul', ['x', 'w1']), 'b1']));
    return { y: g.op('Relu', [g.op('Add', [g.op('MatMul', [h, 'w2']), 'b2'])]) };
  },
  l2svm: (g) => {
    const margin = g.op('Sub', [g.scalar(1), g.op('Mul', ['y', g.op('MatMul', ['X', 'w'])])]);
    const hinge = g.op('Max', [margin, g.scalar(0)]);
    return { loss: g.op('ReduceSum', [g.op('Mul', [hinge, hinge])], [attr.int('keepdims', 0)]) };
  },
  attention: (g) => {
    const scores = g.op('Mul', [g.op('MatMul', ['q', g.op('Transpose', ['k'], [attr.ints('perm', [1, 0])])]), g.scalar(1 / Math.sqrt(64))]);
    return { o: g.op('MatMul', [g.op('Softmax', [scores], [attr.int('axis', -1)]), 'v']) };
  },
  'residual-rmsnorm': (g) => {
    const h = g.op('Add', ['x', 'r']);
    const ms = g.op('ReduceMean', [g.op('Mul', [h, h])], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]);
    return { y: g.op('Mul', [g.op('Div', [h, g.op('Sqrt', [g.op('Add', [ms, g.scalar(1e-6)])])]), 'gamma']) };
  },
};

export const hasOnnxGraph = (workload: string): boolean => workload in WRITERS;

/** The workload as ONNX ModelProto bytes for these input and output shapes. */
export function onnxWorkload(workload: string, inputs: Shapes, outputs: Shapes): Uint8Array {
  const write = WRITERS[workload];
  if (write === undefined) throw new Error(`no ONNX graph for workload '${workload}'`);
  const g = new GraphWriter();
  for (const [name, value] of Object.entries(write(g))) g.output(name, value);
  return onnxModel({ name: workload, nodes: g.nodes, inputs: Object.entries(inputs), outputs: Object.entries(outputs) });
}
