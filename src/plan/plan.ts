import type { Dims, ModelIR } from '../ir/model.js';
import type { NodeId } from '../ir/node.js';
import type { ConcreteShape } from '../ir/shape.js';

/**
 * Fused-operator templates (see docs/planner.md and shared/docs/systemml-fusion-notes.md):
 * - `single`: one primitive op, one kernel (strategy `none`, and ops no template fuses).
 * - `cell`:   elementwise members over one iteration space; either several same-shape outputs, or
 *             one reduction (over any axes) of an elementwise expression as the only output.
 * - `magg`:   several reductions with the same operand shape and the same axes, computed in one
 *             pass over that operand space (horizontal fusion: sum(x*y), sum(x*x), sum(y*y)).
 * - `row`:    a program over the rows of an operand space S (rows = all but the last axis, C = the
 *             last axis) whose members are row-wide values (shape S) and per-row scalars (S with
 *             the last dim 1, or S without it), produced by reductions over the last axis and used
 *             again in the same row (softmax, layer norm).
 * - `matmul`: one matmul with a prologue (elementwise members computed as operand tiles load) and
 *             an epilogue (elementwise members over the product's shape) applied before one store.
 */
export type Template = 'single' | 'cell' | 'magg' | 'row' | 'matmul';

/**
 * One fused operator = one kernel (two for reductions that need a second pass).
 *
 * Invariants (checked by validatePlan):
 * - `members` ascending by node id (a topological order); never `input`, `const` or `reshape`
 *   nodes. A node may be a member of several operators: it is then recomputed in each.
 * - `outputs` ⊆ members, ascending: the members written to memory. Each materialized node is the
 *   output of exactly one operator.
 * - `inputs` ascending: every non-member operand of a member. Each is a model input, a constant, a
 *   reshape (a view of its own operand's buffer) or another operator's output.
 * - a `transpose` member's operand is always in `inputs` (it is a strided read, not a computation).
 * - template-specific shapes as described on Template.
 */
export interface FusedOp {
  readonly id: number;
  readonly template: Template;
  readonly members: readonly NodeId[];
  readonly outputs: readonly NodeId[];
  readonly inputs: readonly NodeId[];
}

/** Why a producer -> consumer edge was left unfused, or why a node was materialized. */
export type DecisionReason =
  | { readonly kind: 'template'; readonly rule: string } // no template can fuse this edge
  | { readonly kind: 'limit'; readonly limit: string; readonly needed: number; readonly allowed: number }
  | { readonly kind: 'pin' } // the user pinned the producer as materialized
  | CostReason // interesting point decided by cost
  | { readonly kind: 'strategy'; readonly strategy: Strategy } // the heuristic strategy's rule
  | { readonly kind: 'output' }; // a model output is always materialized

/**
 * A decision the cost model made: the plan's estimate as chosen and with this one decision
 * reversed. `by` says which part of the search made it: the exact walk (the default when absent),
 * the heuristic local search (partitions above the exhaustive limit or past the search budget,
 * so not proven optimal), or the guard that replaced the search's plan of a partition by a
 * cheaper baseline or pinned plan (`contender` names it).
 */
export interface CostReason {
  readonly kind: 'cost';
  readonly chosenMs: number;
  readonly alternativeMs: number;
  readonly by?: 'exact' | 'heuristic' | 'guard';
  readonly contender?: string;
}

export interface Decision {
  readonly producer: NodeId;
  /** The consumer at this edge; absent for node-level decisions (outputs, pins). */
  readonly consumer?: NodeId;
  /** 'cut': the edge is read from memory; 'fused': recomputed/fused into the consumer. */
  readonly outcome: 'cut' | 'fused';
  readonly reason: DecisionReason;
}

export type Strategy = 'none' | 'fuse-all' | 'fuse-no-redundancy' | 'cost';
export const STRATEGIES: readonly Strategy[] = ['none', 'fuse-all', 'fuse-no-redundancy', 'cost'];

export interface SearchStats {
  readonly partitions: number;
  readonly interestingPoints: number;
  /** Assignments fully costed. */
  readonly plansEvaluated: number;
  /** Assignments skipped by cost or structural pruning. */
  readonly plansPruned: number;
  /** False when some partition was above the exhaustive limit and solved heuristically. */
  readonly exhaustive: boolean;
}

export interface OpCost {
  readonly op: number;
  readonly ms: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly flops: number;
  readonly launches: number;
}

/**
 * Why an intermediate is stored as it is under a precision budget (src/planner/precision.ts):
 * - `f16`: stored as f16; `addedError` bounds the absolute error f16 storage (its own and any
 *   upstream) adds to the stored value.
 * - `budget`: f16 would take some output past its share of the budget (`output`, `bound` > `allowed`).
 * - `overflow`: its range may exceed f16's largest finite value, 65504 (`magnitude`).
 * - `range`: its range is unknown or unbounded (an input without a range, a division by a range
 *   holding 0, pow), so neither overflow nor error can be bounded.
 * - `statistic`: a reduction result (sums, softmax and norm statistics) stays f32.
 * - `kernel`: its producer or a consumer is a kernel with no f16 load/store path (`template`).
 * - `device`: the target adapter lacks the `shader-f16` feature.
 * - `cost`: the cost model does not expect f16 to pay (the conversions cost more than the bytes
 *   save in a kernel bound by arithmetic): the plan's estimate with f16 and with f32.
 * - `output`: a model output is a reshape of it, so its buffer is the output's (read back as f32).
 */
export type PrecisionReason =
  | { readonly kind: 'f16'; readonly addedError: number }
  | { readonly kind: 'budget'; readonly output: NodeId; readonly bound: number; readonly allowed: number }
  | { readonly kind: 'overflow'; readonly magnitude: number }
  | { readonly kind: 'range' }
  | { readonly kind: 'statistic' }
  | { readonly kind: 'kernel'; readonly template: Template }
  | { readonly kind: 'device' }
  | { readonly kind: 'cost'; readonly f16Ms: number; readonly f32Ms: number }
  | { readonly kind: 'output' };

export type StorageType = 'f32' | 'f16';

export interface PrecisionChoice {
  readonly node: NodeId;
  readonly storage: StorageType;
  readonly reason: PrecisionReason;
  /** The value range from range analysis. */
  readonly range: readonly [number, number];
  /** Bytes the f16 storage moves less (the write and every read), or would with f16. */
  readonly bytesSaved: number;
}

export interface PrecisionOutput {
  readonly node: NodeId;
  readonly name: string;
  /** The largest |value| the output can take (range analysis): the scale of the relative budget. */
  readonly magnitude: number;
  /** Bound on the absolute error the f16 choices add to any element of the output. */
  readonly addedError: number;
}

/** The precision decisions of a plan compiled with an error budget. */
export interface PrecisionPlan {
  readonly maxRelError: number;
  readonly choices: readonly PrecisionChoice[];
  readonly outputs: readonly PrecisionOutput[];
  /** The estimate of the same plan with every intermediate in f32. */
  readonly f32EstimatedMs: number;
}

export interface Plan {
  readonly strategy: Strategy;
  readonly model: ModelIR;
  readonly dims: Dims;
  readonly shapes: readonly ConcreteShape[];
  /** In execution order: every operator's inputs come from leaves or earlier operators. */
  readonly ops: readonly FusedOp[];
  /** Intermediates (not model outputs) that some operator writes to memory. */
  readonly materialized: readonly NodeId[];
  readonly decisions: readonly Decision[];
  readonly costs: readonly OpCost[];
  readonly estimatedMs: number;
  readonly planningMs: number;
  readonly search: SearchStats;
  /** Present only when compiled with a precision budget: the storage of each intermediate. */
  readonly precision?: PrecisionPlan;
}
