/**
 * Host-side data for a model's inputs. A HostTensor carries its shape in the type, so feeding an
 * input a tensor of a statically wrong shape is a compile error; a bare Float32Array is accepted
 * too (its length is checked at run time, once symbolic dims are known).
 */
import { inputError } from '../ir/errors.js';
import { getOwn } from '../ir/own.js';
import { fmtShape, type Dim } from '../ir/shape.js';
import type { AnyModel, InputShapes } from './model.js';
import type { Arg, FeedError, FmtShape, IsWideShape, Shape, ShapeError } from './shape-types.js';

/** A dense row-major f32 array with a concrete shape. */
export interface HostTensor<S extends readonly number[] = readonly number[]> {
  readonly shape: S;
  readonly data: Float32Array;
}

/** `hostTensor([64, 784], data)`; throws FuseplanError('input') unless data.length is the product of the dims. */
export function hostTensor<const S extends readonly number[]>(shape: S, data: Float32Array): HostTensor<S> {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw inputError(`hostTensor: shape must be an array of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!(data instanceof Float32Array)) throw inputError(`hostTensor: data must be a Float32Array, got ${data === null ? 'null' : ArrayBuffer.isView(data) ? (data as object).constructor.name : Array.isArray(data) ? `Array(${(data as unknown[]).length})` : typeof data}`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw inputError(`hostTensor: shape ${fmtShape(shape)} has ${n} elements but data has ${data.length}`);
  return { shape: [...shape] as unknown as S, data };
}

/** The host shapes an input of shape S accepts: literal dims as they are, a symbol any size. */
export type HostShape<S extends Shape> = IsWideShape<S> extends true ? readonly number[] : { readonly [K in keyof S]: S[K] extends number ? S[K] : number };

/** What one input accepts. */
export type Feed<S extends Shape> = Float32Array | HostTensor<HostShape<S>>;

/** Input name -> accepted data, for a model: `const f: ModelFeeds<typeof mlp> = { x, w, b }`. */
export type ModelFeeds<M extends AnyModel> = { readonly [K in keyof InputShapes<M>]: Feed<InputShapes<M>[K]> };

// --- feeds(): per-input messages and symbol consistency ------------------------------------------

type LooseFeeds<M extends AnyModel> = { readonly [K in keyof InputShapes<M>]: Float32Array | HostTensor };

/** `[symbol, size]` for every symbolic input dim a host tensor fixes. */
type Pairs<IS extends Shape, HS extends readonly number[]> =
  IS extends readonly [infer A, ...infer AR extends Shape]
    ? HS extends readonly [infer H extends number, ...infer HR extends readonly number[]]
      ? (A extends string ? (string extends A ? never : number extends H ? never : [A, H]) : never) | Pairs<AR, HR>
      : never
    : never;

type AllPairs<I, F> = { [K in keyof F & keyof I]: F[K] extends HostTensor<infer HS> ? (I[K] extends Shape ? Pairs<I[K], HS> : never) : never }[keyof F & keyof I];

/** The first symbol of `P` that `All` binds to some other size too. */
type Conflict<P, All> = P extends [infer Sym, infer N] ? (Exclude<Extract<All, [Sym, number]>[1], N> extends never ? never : [Sym, N, Exclude<Extract<All, [Sym, number]>[1], N>]) : never;

type DimsMatch<IS extends Shape, HS extends readonly number[]> =
  IS extends readonly [infer A, ...infer AR extends Shape]
    ? HS extends readonly [infer H, ...infer HR extends readonly number[]]
      ? A extends number
        ? number extends A | H
          ? DimsMatch<AR, HR>
          : [A] extends [H]
            ? DimsMatch<AR, HR>
            : [A, H]
        : DimsMatch<AR, HR>
      : true
    : true;

type HostCheck<IS extends Shape, HS extends readonly number[], K extends string, All> =
  IsWideShape<IS> extends true
    ? unknown
    : IsWideShape<HS> extends true
      ? unknown
      : IS['length'] extends HS['length']
        ? DimsMatch<IS, HS> extends [infer A extends number, infer H extends number]
          ? ShapeError<`input '${K}' expects ${FmtShape<IS>}, got ${FmtShape<HS>}: dim ${A} vs ${H}`>
          : [Conflict<Pairs<IS, HS>, All>] extends [never]
            ? unknown
            : Conflict<Pairs<IS, HS>, All> extends [infer Sym extends string, infer N extends number, infer O extends number]
              ? ShapeError<`input '${K}' binds dim '${Sym}' to ${N}, but another input binds it to ${O}`>
              : unknown
        : ShapeError<`input '${K}' expects ${FmtShape<IS>}, got ${FmtShape<HS>}: rank ${HS['length']} vs ${IS['length']}`>;

/** Each feed as given if it fits, else the message in its place. */
export type CheckFeeds<I, F> = {
  readonly [K in keyof F]: K extends keyof I
    ? F[K] extends HostTensor<infer HS>
      ? I[K] extends Shape
        ? Arg<F[K], HostCheck<I[K], HS, K & string, AllPairs<I, F>>>
        : F[K]
      : F[K]
    : FeedError<`'${K & string}' is not an input of this model`>;
};

/**
 * Type-checks data for a model's inputs and returns it unchanged. Statically: each HostTensor must
 * fit its input's shape and agree with the others on symbolic dims. At run time the same, plus
 * missing/extra names and Float32Array lengths wherever the dims are known.
 */
export function feeds<M extends AnyModel, const F extends LooseFeeds<M>>(m: M, f: CheckFeeds<InputShapes<M>, F>): F {
  inferDims(m, f as Readonly<Record<string, unknown>>);
  return f as unknown as F;
}

const isHostTensor = (x: unknown): x is HostTensor =>
  typeof x === 'object' && x !== null && Array.isArray((x as HostTensor).shape) && (x as HostTensor).data instanceof Float32Array;

/**
 * Checks feeds against a model at run time and returns the symbolic dims the host tensors fix.
 * Throws FuseplanError('input') for a missing, unknown or misshapen input.
 */
export function inferDims(m: AnyModel, f: Readonly<Record<string, unknown>>): Record<string, number> {
  const name = m.ir.name;
  if (typeof f !== 'object' || f === null) throw inputError(`model '${name}': feeds must be an object of named inputs`);
  const shapes = new Map<string, readonly Dim[]>(m.ir.inputs.map((i) => [i.name, m.ir.graph.node(i.node).shape]));
  for (const k of Object.keys(f)) if (!shapes.has(k)) throw inputError(`model '${name}': '${k}' is not an input (inputs: ${[...shapes.keys()].join(', ')})`);
  const dims = new Map<string, number>();
  const bound = new Map<string, string>();
  for (const [k, shape] of shapes) {
    const v = getOwn(f, k);
    if (v === undefined) throw inputError(`model '${name}': missing input '${k}'`);
    if (v instanceof Float32Array) continue;
    if (!isHostTensor(v)) throw inputError(`model '${name}': input '${k}' must be a Float32Array or a hostTensor`);
    const bad = `model '${name}': input '${k}' expects ${fmtShape(shape)}, got ${fmtShape(v.shape)}`;
    if (v.shape.length !== shape.length) throw inputError(bad);
    shape.forEach((d, i) => {
      const h = v.shape[i]!;
      if (typeof d === 'number') {
        if (d !== h) throw inputError(`${bad}: dim ${i} is ${h}, not ${d}`);
      } else if (dims.has(d) && dims.get(d) !== h) {
        throw inputError(`${bad}: dim '${d}' is ${h} here but ${dims.get(d)} in input '${bound.get(d)}'`);
      } else {
        dims.set(d, h);
        bound.set(d, k);
      }
    });
  }
  for (const [k, shape] of shapes) {
    const v = getOwn(f, k);
    if (!(v instanceof Float32Array)) continue;
    if (shape.some((d) => typeof d === 'string' && !dims.has(d))) continue;
    const n = shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : dims.get(d)!), 1);
    if (v.length !== n) throw inputError(`model '${name}': input '${k}' of shape ${fmtShape(shape)} needs ${n} values, got ${v.length}`);
  }
  return Object.fromEntries(dims);
}
