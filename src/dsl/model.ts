/**
 * model(): declare typed inputs, build outputs from them, get an IR model plus the shapes of both
 * at the type level. Each call builds a fresh Graph, so models never share nodes and CSE is per
 * model.
 */
import { modelError } from '../ir/errors.js';
import { putOwn } from '../ir/own.js';
import { Graph } from '../ir/graph.js';
import { validateModel, type ModelIR, type NamedNode } from '../ir/model.js';
import type { DType } from '../ir/node.js';
import { constantOp } from './core.js';
import type { Shape } from './shape-types.js';
import { isTensor, Tensor, wrap, type AnyTensor, type ShapeOf } from './tensor.js';

/** A declared input: its static shape (literal and symbolic dims) and dtype. */
export interface InputSpec<S extends Shape = Shape> {
  readonly kind: 'input';
  readonly shape: S;
  readonly dtype: DType;
}

/**
 * An f32 input of shape `shape`: `f32(['B', 784])`. The `const` type parameter infers the literal
 * tuple without `as const`; symbolic dims ('B') are bound when the model is compiled.
 */
export function f32<const S extends Shape>(shape: S): InputSpec<S> {
  if (!Array.isArray(shape)) throw modelError(`f32: shape must be an array of dims, got ${String(shape)}`);
  return { kind: 'input', shape: [...shape] as unknown as S, dtype: 'f32' };
}

export type InputSpecs = Readonly<Record<string, InputSpec>>;
export type OutputTensors = Readonly<Record<string, AnyTensor>>;

/** Input name -> shape, from the specs given to model(). */
export type SpecShapes<I extends InputSpecs> = { readonly [K in keyof I]: I[K]['shape'] };
/** Input name -> tensor, as the build function receives them. */
export type InputTensors<I extends InputSpecs> = { readonly [K in keyof I]: Tensor<I[K]['shape']> };
/** Output name -> shape, from what the build function returns. */
export type TensorShapes<O extends OutputTensors> = { readonly [K in keyof O]: ShapeOf<O[K]> };

/**
 * A typed model. `I` and `O` map names to static shapes; `ir` is the untyped model the planner,
 * reference and runtime consume.
 */
export interface Model<I extends Readonly<Record<string, Shape>> = Readonly<Record<string, Shape>>, O extends Readonly<Record<string, Shape>> = Readonly<Record<string, Shape>>> {
  readonly name: string;
  readonly ir: ModelIR;
  readonly inputs: { readonly [K in keyof I]: InputSpec<I[K]> };
  /** Output shapes as the IR inferred them (equal to `O` for typed programs). */
  readonly outputs: { readonly [K in keyof O]: O[K] };
}

/** A model of any shapes (a constraint for helpers that accept every model). */
export type AnyModel = Model<any, any>;

/** Input name -> static shape of a model. */
export type InputShapes<M extends AnyModel> = M extends Model<infer I, any> ? I : never;
/** Output name -> static shape of a model: `OutputShapes<typeof mlp>['y']` is `['B', 256]`. */
export type OutputShapes<M extends AnyModel> = M extends Model<any, infer O> ? O : never;

/** What the build function gets besides its inputs: constants in the model's graph. */
export interface Builder {
  /** A dense constant, row-major; a single number fills the shape. Literal dims only. */
  constant<const T extends readonly number[]>(shape: T, data: number | ArrayLike<number>): Tensor<T>;
  /** A scalar constant (numbers in ops do this implicitly). */
  scalar(value: number): Tensor<readonly []>;
  /** The graph being built, for untyped construction (`tensorOf(graph, node)`). */
  readonly graph: Graph;
}

/**
 * Builds a model: `model('mlp', { x: f32(['B', 784]), w: f32([784, 256]) }, ({ x, w }) => ({ y: x.matmul(w) }))`.
 * Inputs become graph inputs in the order given; the build function returns one or more named
 * output tensors, which must come from this model's inputs and builder.
 */
export function model<I extends InputSpecs, O extends OutputTensors>(
  name: string,
  inputs: I,
  build: (inputs: InputTensors<I>, b: Builder) => O,
): Model<SpecShapes<I>, TensorShapes<O>> {
  if (typeof name !== 'string' || name.length === 0) throw modelError('a model needs a non-empty name');
  if (typeof inputs !== 'object' || inputs === null) throw modelError(`model '${name}': inputs must be an object of f32(...) specs`);
  const graph = new Graph();
  const tensors: Record<string, Tensor> = {};
  const inputNodes: NamedNode[] = [];
  for (const [key, spec] of Object.entries(inputs)) {
    if (typeof spec !== 'object' || spec === null || (spec as InputSpec).kind !== 'input') {
      throw modelError(`model '${name}': input '${key}' must be declared with f32(shape)`);
    }
    const node = graph.input(key, spec.shape, spec.dtype);
    putOwn(tensors, key, new Tensor(graph, node));
    inputNodes.push({ name: key, node });
  }
  const builder: Builder = {
    graph,
    constant: (shape, data) => wrap(constantOp(graph, shape, data)),
    scalar: (value) => wrap(constantOp(graph, [], value)),
  };
  const result = build(tensors as InputTensors<I>, builder);
  if (typeof result !== 'object' || result === null || isTensor(result)) {
    throw modelError(`model '${name}': the build function must return an object of named outputs, e.g. { y }`);
  }
  const outputs: NamedNode[] = [];
  const outputShapes: Record<string, Shape> = {};
  for (const [key, t] of Object.entries(result)) {
    if (!isTensor(t)) throw modelError(`model '${name}': output '${key}' is not a tensor`);
    if (t.graph !== graph) throw modelError(`model '${name}': output '${key}' was built in another model's graph`);
    outputs.push({ name: key, node: t.node });
    putOwn(outputShapes, key, t.shape);
  }
  const ir: ModelIR = { name, graph, inputs: inputNodes, outputs };
  validateModel(ir);
  const specs = Object.fromEntries(Object.entries(inputs).map(([k, s]) => [k, { kind: 'input', shape: graph.node(tensors[k]!.node).shape, dtype: s.dtype }]));
  return { name, ir, inputs: specs, outputs: outputShapes } as unknown as Model<SpecShapes<I>, TensorShapes<O>>;
}
