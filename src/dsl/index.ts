/**
 * The typed tensor DSL: shapes in the type, checked by the compiler at the offending call, and
 * checked again by the IR at build time for untyped (wide `Shape`) programs.
 */
export type { AxesArg, ReduceOptions, ReduceOut, MatmulOut, TransposeOut, CheckAxes, CheckMean, CheckPerm, NormAxis } from './axis-types.js';
export type { Arg, Broadcast, BroadcastDim, Check, CheckBroadcastTo, Dim, FeedError, FmtShape, IsWideShape, Mutable, Result, Shape, ShapeError } from './shape-types.js';
export { Tensor, isTensor, tensorOf, type AnyTensor, type BinOut, type Operand, type ShapeOf } from './tensor.js';
export * from './ops.js';
export * from './composite.js';
export * from './model.js';
export * from './host.js';
