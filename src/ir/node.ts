import type { BinaryFn, ReduceFn, UnaryFn } from './ops.js';
import type { Dim } from './shape.js';

export type NodeId = number;
/** f32 is the only dtype that runs today; f16 is reserved for intermediates on shader-f16 devices. */
export type DType = 'f32' | 'f16';

interface Base {
  readonly id: NodeId;
  readonly inputs: readonly NodeId[];
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

export type InputNode = Base & { readonly op: 'input'; readonly name: string };
/** A constant: a scalar (shape []) or a dense tensor in row-major order. */
export type ConstNode = Base & { readonly op: 'const'; readonly data: readonly number[] };
export type UnaryNode = Base & { readonly op: 'unary'; readonly fn: UnaryFn };
export type BinaryNode = Base & { readonly op: 'binary'; readonly fn: BinaryFn };
export type WhereNode = Base & { readonly op: 'where' };
/** Reduces `axes` (sorted, non-negative); with keepDims the reduced axes stay as size 1. */
export type ReduceNode = Base & { readonly op: 'reduce'; readonly fn: ReduceFn; readonly axes: readonly number[]; readonly keepDims: boolean };
/** [..., M, K] x [..., K, N] -> [..., M, N], with broadcast batch dims (rank 2 or 3). */
export type MatmulNode = Base & { readonly op: 'matmul' };
export type TransposeNode = Base & { readonly op: 'transpose'; readonly perm: readonly number[] };
export type ReshapeNode = Base & { readonly op: 'reshape' };
export type BroadcastNode = Base & { readonly op: 'broadcast' };

export type Node =
  | InputNode
  | ConstNode
  | UnaryNode
  | BinaryNode
  | WhereNode
  | ReduceNode
  | MatmulNode
  | TransposeNode
  | ReshapeNode
  | BroadcastNode;

export type OpKind = Node['op'];
