/**
 * Type-level shape algebra for the DSL. These types mirror the runtime rules in src/ir/shape.ts
 * (the IR re-checks everything at build time), so a program that type-checks with literal shapes
 * builds without shape errors, and a program that does not is rejected at the offending call.
 *
 * Two conventions keep compiler errors readable and the checker fast:
 * - A failed check evaluates to `ShapeError<"message">`, and signatures put that type where the
 *   offending argument goes, so tsc reports "not assignable to ShapeError<'cannot broadcast ...'>"
 *   at that argument instead of dumping instantiations.
 * - Anything not statically known (the wide `Shape`, a `number` or `string` dim) is let through;
 *   the runtime checks in the IR still apply. Recursion is per dim, so ranks stay cheap.
 */
import type { Dim, Shape } from '../ir/shape.js';

export type { Dim, Shape };

declare const shapeErrorBrand: unique symbol;
declare const feedErrorBrand: unique symbol;

/** What a shape check evaluates to when it fails; no value has this type. */
export interface ShapeError<Msg extends string> {
  readonly [shapeErrorBrand]: Msg;
}
/** Like ShapeError, for feeds that name something the model does not have. */
export interface FeedError<Msg extends string> {
  readonly [feedErrorBrand]: Msg;
}

/** True for shapes whose rank is not known statically (`Shape`, `number[]`, variadic tuples). */
export type IsWideShape<S extends Shape> = number extends S['length'] ? true : false;

/** True for dims that are not a single literal: `number`, `string` (unions count as known). */
export type IsWideDim<D> = [D] extends [number] ? (number extends D ? true : false) : [D] extends [string] ? (string extends D ? true : false) : true;

/** Statically identical dims; wide dims are assumed to match (the runtime decides). */
export type SameDim<A, B> = IsWideDim<A> extends true ? true : IsWideDim<B> extends true ? true : [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export type FmtDim<D> = IsWideDim<D> extends true ? '?' : D extends string ? `'${D}'` : D extends number ? `${D}` : '?';

type JoinDims<S extends Shape> = S extends readonly [infer H]
  ? FmtDim<H>
  : S extends readonly [infer H, ...infer R extends Shape]
    ? `${FmtDim<H>}, ${JoinDims<R>}`
    : '';

/** A shape as text for messages, e.g. `['B', 784]`; wide shapes print as `[...]`. */
export type FmtShape<S extends Shape> = IsWideShape<S> extends true ? '[...]' : `[${JoinDims<S>}]`;

/** A readonly tuple as a mutable one, so results compare equal however they were built. */
export type Mutable<S extends Shape> = { -readonly [K in keyof S]: S[K] };

/**
 * One broadcast dim, or `false` if the pair is rejected. Same rule as broadcastDims in
 * src/ir/shape.ts: equal dims, or one side a literal 1. A symbol against a different symbol or
 * against a literal other than 1 is rejected, since it cannot be proven valid for every binding.
 */
export type BroadcastDim<A, B> =
  SameDimStrict<A, B> extends true
    ? A
    : [A] extends [1]
      ? B
      : [B] extends [1]
        ? A
        : IsWideDim<A> extends true
          ? IsWideDim<B> extends true
            ? Dim
            : B
          : IsWideDim<B> extends true
            ? A
            : false;

type SameDimStrict<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Numpy broadcast of two shapes (right-aligned), or a ShapeError naming the first bad pair. */
export type Broadcast<A extends Shape, B extends Shape> =
  IsWideShape<A> extends true ? Shape : IsWideShape<B> extends true ? Shape : BroadcastRec<A, B, A, B, []>;

type BroadcastRec<A extends Shape, B extends Shape, OA extends Shape, OB extends Shape, Acc extends Dim[]> =
  A extends readonly [...infer AR extends Shape, infer AL]
    ? B extends readonly [...infer BR extends Shape, infer BL]
      ? BroadcastDim<AL, BL> extends infer D
        ? D extends Dim
          ? BroadcastRec<AR, BR, OA, OB, [D, ...Acc]>
          : ShapeError<`cannot broadcast ${FmtShape<OA>} with ${FmtShape<OB>}: dim ${FmtDim<AL>} vs ${FmtDim<BL>}`>
        : never
      : [...Mutable<A>, ...Acc]
    : [...Mutable<B>, ...Acc];

/**
 * `unknown` if `S` broadcasts to exactly `T` (as runtime broadcastTo requires), else a ShapeError.
 * Each dim of S must equal T's dim or be 1, and S may not have more dims than T.
 */
export type CheckBroadcastTo<S extends Shape, T extends Shape> =
  IsWideShape<S> extends true ? unknown : IsWideShape<T> extends true ? unknown : BroadcastToRec<S, T, S, T>;

type BroadcastToRec<S extends Shape, T extends Shape, OS extends Shape, OT extends Shape> =
  S extends readonly [...infer SR extends Shape, infer SL]
    ? T extends readonly [...infer TR extends Shape, infer TL]
      ? SameDim<SL, TL> extends true
        ? BroadcastToRec<SR, TR, OS, OT>
        : [SL] extends [1]
          ? BroadcastToRec<SR, TR, OS, OT>
          : ShapeError<`cannot broadcast ${FmtShape<OS>} to ${FmtShape<OT>}: dim ${FmtDim<SL>} vs ${FmtDim<TL>}`>
      : ShapeError<`cannot broadcast ${FmtShape<OS>} to ${FmtShape<OT>}: rank ${OS['length']} > ${OT['length']}`>
    : unknown;

/** `unknown` for a valid result, the error itself otherwise: intersect or test with this. */
export type Check<R> = [R] extends [ShapeError<string>] ? R : unknown;

/** The shape a result has; after an error, the wide Shape so one mistake is reported once. */
export type Result<R> = [R] extends [ShapeError<string>] ? Shape : R extends Shape ? R : Shape;

/**
 * The type of an argument that passed check `R`: the argument's own type `T` if `R` is a shape,
 * or the ShapeError in its place, so tsc's message is the error text.
 */
export type Arg<T, R> = [R] extends [ShapeError<string>] ? R : T;
