/**
 * Type-level rules for ops that address axes (reductions, transpose) and for matmul. Same
 * conventions as shape-types.ts: failures are ShapeError messages, anything not statically known
 * passes through to the runtime checks.
 */
import type { Broadcast, Dim, FmtDim, FmtShape, IsWideShape, SameDim, Shape, ShapeError } from './shape-types.js';

/** An axes argument: one axis, several, or every axis ('all' or left out). Negative axes count from the end. */
export type AxesArg = number | readonly number[] | 'all' | undefined;

export interface ReduceOptions<K extends boolean = boolean> {
  /** Keep reduced axes as size 1 (so the result broadcasts against the input). */
  readonly keepDims?: K;
}

/** `-N` as a number literal type. */
type Neg<N extends number> = `-${N}` extends `${infer X extends number}` ? X : never;

/** `[position, negative alias]` for every axis of a static shape, as a union. */
type AxisPairs<S extends Shape, Acc extends unknown[] = []> =
  S extends readonly [...infer R extends Shape, unknown] ? [R['length'], Neg<[...Acc, 0]['length']>] | AxisPairs<R, [...Acc, 0]> : never;

type MatchAxis<P, A> = P extends [infer Pos, infer Ng] ? ([A] extends [Pos] ? Pos : [A] extends [Ng] ? Pos : never) : never;

/** The non-negative position of axis `A` in `S`, or never if `S` has no such axis. */
export type NormAxis<S extends Shape, A extends number> = A extends number ? MatchAxis<AxisPairs<S>, A> : never;

type AxisList<A> = A extends number ? [A] : A extends readonly number[] ? A : [];

type HasWideAxis<L extends readonly number[]> = number extends L['length']
  ? true
  : L extends readonly [infer H, ...infer R extends readonly number[]]
    ? number extends H
      ? true
      : HasWideAxis<R>
    : false;

type CheckAxisList<S extends Shape, L extends readonly number[], What extends string> =
  L extends readonly [infer H extends number, ...infer R extends readonly number[]]
    ? [NormAxis<S, H>] extends [never]
      ? ShapeError<`${What}: axis ${H} does not exist in a tensor of rank ${S['length']} ${FmtShape<S>}`>
      : CheckAxisList<S, R, What>
    : unknown;

/** `unknown` if every axis in `A` exists in `S` (or it cannot be known), else a ShapeError. */
export type CheckAxes<S extends Shape, A, What extends string> =
  IsWideShape<S> extends true
    ? unknown
    : A extends 'all' | undefined
      ? unknown
      : HasWideAxis<AxisList<A>> extends true
        ? unknown
        : CheckAxisList<S, AxisList<A>, What>;

/** Union of reduced positions; `number` stands for "every axis". */
type Positions<S extends Shape, A> = A extends 'all' | undefined ? number : NormAxis<S, AxisList<A>[number]>;

type ReduceRec<S extends Shape, P, K extends boolean, I extends unknown[], Acc extends Dim[]> =
  S extends readonly [infer H, ...infer R extends Shape]
    ? I['length'] extends P
      ? ReduceRec<R, P, K, [...I, 0], K extends true ? [...Acc, 1] : Acc>
      : ReduceRec<R, P, K, [...I, 0], [...Acc, H & Dim]>
    : Acc;

/** Result shape of reducing `S` over `A`. */
export type ReduceOut<S extends Shape, A, K extends boolean> =
  IsWideShape<S> extends true
    ? Shape
    : boolean extends K
      ? Shape
      : A extends 'all' | undefined
        ? ReduceRec<S, number, K, [], []>
        : HasWideAxis<AxisList<A>> extends true
          ? Shape
          : ReduceRec<S, Positions<S, A>, K, [], []>;

type SymbolicAt<S extends Shape, P, I extends unknown[] = []> =
  S extends readonly [infer H, ...infer R extends Shape]
    ? I['length'] extends P
      ? H extends string
        ? string extends H
          ? SymbolicAt<R, P, [...I, 0]>
          : [I['length'], H]
        : SymbolicAt<R, P, [...I, 0]>
      : SymbolicAt<R, P, [...I, 0]>
    : never;

/**
 * Mean divides by the number of reduced elements, which must be known when the graph is built
 * (the IR has no size op), so every reduced dim must be a literal.
 */
export type CheckMean<S extends Shape, A> =
  CheckAxes<S, A, 'mean'> extends infer E
    ? [E] extends [ShapeError<string>]
      ? E
      : IsWideShape<S> extends true
        ? unknown
        : HasWideAxis<AxisList<A>> extends true
          ? unknown
          : SymbolicAt<S, Positions<S, A>> extends infer Hit
            ? [Hit] extends [never]
              ? unknown
              : Hit extends [infer I extends number, infer D]
                ? ShapeError<`mean: axis ${I} of ${FmtShape<S>} is the symbolic dim ${FmtDim<D>}; mean needs literal dims on reduced axes (use sum and scale by the size)`>
                : unknown
            : never
    : never;

type Positives<S extends Shape> = AxisPairs<S> extends infer P ? (P extends [infer Pos, unknown] ? Pos : never) : never;

/** The mean check for a call that leaves out its axes (so every axis is reduced). */
export type MeanAllCheck<S extends Shape, A> = [A] extends [undefined] ? CheckMean<S, 'all'> : unknown;

type IsPerm<S extends Shape, P extends readonly number[], Seen = never> =
  P extends readonly [infer H extends number, ...infer R extends readonly number[]]
    ? number extends H
      ? true
      : [H] extends [Seen]
        ? false
        : [H] extends [Positives<S>]
          ? IsPerm<S, R, Seen | H>
          : false
    : true;

/** `unknown` if `P` is a permutation of the axes of `S` (or left out), else a ShapeError. */
export type CheckPerm<S extends Shape, P> =
  IsWideShape<S> extends true
    ? unknown
    : P extends readonly number[]
      ? number extends P['length']
        ? unknown
        : P['length'] extends S['length']
          ? IsPerm<S, P> extends true
            ? unknown
            : ShapeError<`transpose: [${JoinNums<P>}] is not a permutation of the axes of ${FmtShape<S>}`>
          : ShapeError<`transpose: [${JoinNums<P>}] is not a permutation of the axes of ${FmtShape<S>}`>
      : unknown;

type JoinNums<P extends readonly number[]> = P extends readonly [infer H extends number]
  ? `${H}`
  : P extends readonly [infer H extends number, ...infer R extends readonly number[]]
    ? `${H}, ${JoinNums<R>}`
    : '';

type Reverse<S extends Shape, Acc extends Dim[] = []> = S extends readonly [infer H, ...infer R extends Shape] ? Reverse<R, [H & Dim, ...Acc]> : Acc;
type Permute<S extends Shape, P extends readonly number[], Acc extends Dim[] = []> =
  P extends readonly [infer H extends number, ...infer R extends readonly number[]] ? Permute<S, R, [...Acc, S[H] & Dim]> : Acc;

/** Result of transposing `S` by `P` (reversed axes when `P` is left out). */
export type TransposeOut<S extends Shape, P> =
  IsWideShape<S> extends true
    ? Shape
    : P extends readonly number[]
      ? number extends P['length']
        ? Shape
        : IsPerm<S, P> extends true
          ? Permute<S, P>
          : Shape
      : Reverse<S>;

/**
 * matmul: [M,K]x[K,N], [Bt,M,K]x[K,N], [M,K]x[Bt,K,N], [Bt,M,K]x[Bt,K,N] (batch dims broadcast).
 * Inner dims must be identical: the same literal or the same symbol.
 */
export type MatmulOut<A extends Shape, B extends Shape> =
  IsWideShape<A> extends true
    ? Shape
    : IsWideShape<B> extends true
      ? Shape
      : A['length'] extends 2 | 3
        ? B['length'] extends 2 | 3
          ? MatmulStatic<A, B>
          : ShapeError<`matmul: operands must have rank 2 or 3, got ${FmtShape<A>} and ${FmtShape<B>}`>
        : ShapeError<`matmul: operands must have rank 2 or 3, got ${FmtShape<A>} and ${FmtShape<B>}`>;

type MatmulStatic<A extends Shape, B extends Shape> =
  A extends readonly [...infer AB extends Shape, infer M, infer K1]
    ? B extends readonly [...infer BB extends Shape, infer K2, infer N]
      ? SameDim<K1, K2> extends true
        ? Broadcast<AB, BB> extends infer Bt
          ? Bt extends ShapeError<infer Msg>
            ? ShapeError<`matmul: batch dims: ${Msg}`>
            : Bt extends readonly Dim[]
              ? [...Bt, M & Dim, N & Dim]
              : never
          : never
        : ShapeError<`matmul: inner dims differ: ${FmtShape<A>} x ${FmtShape<B>} (${FmtDim<K1>} vs ${FmtDim<K2>})`>
      : never
    : never;
