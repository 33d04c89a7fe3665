import type { Dims, ModelIR } from '../ir/model.js';
import { bindShapes, liveNodes } from '../ir/model.js';
import type { Node, NodeId } from '../ir/node.js';
import { numel, type ConcreteShape } from '../ir/shape.js';
import type { DeviceProfile } from '../cost/profile.js';
import type { DeviceLimits } from '../ir/limits.js';

/**
 * Everything the planner's passes read about one model at one binding of its dims. Built once;
 * the passes are pure functions of it.
 */
export interface PlanContext {
  readonly model: ModelIR;
  readonly dims: Dims;
  readonly shapes: readonly ConcreteShape[];
  readonly sizes: readonly number[];
  /** Live nodes (reachable from outputs) in topological order. */
  readonly live: readonly Node[];
  readonly isLive: (id: NodeId) => boolean;
  /** Live consumers of each node (each consumer once). */
  readonly consumers: readonly (readonly NodeId[])[];
  readonly outputs: ReadonlySet<NodeId>;
  /** Nodes the user pinned as materialized. */
  readonly pins: ReadonlySet<NodeId>;
  readonly limits: DeviceLimits;
  readonly profile: DeviceProfile;
  node(id: NodeId): Node;
}

/** Nodes that hold data without computing: inputs and constants. */
export const isLeaf = (n: Node): boolean => n.op === 'input' || n.op === 'const';
/** A scalar constant is printed into kernels as a literal: no buffer, no read. */
export const isScalarConst = (n: Node): boolean => n.op === 'const' && n.data.length === 1;

export function makeContext(model: ModelIR, dims: Dims, limits: DeviceLimits, profile: DeviceProfile, pins: Iterable<NodeId> = []): PlanContext {
  const shapes = bindShapes(model, dims);
  const live = liveNodes(model);
  const liveSet = new Set(live.map((n) => n.id));
  const consumers: NodeId[][] = model.graph.nodes.map(() => []);
  for (const n of live) for (const i of new Set(n.inputs)) consumers[i]!.push(n.id);
  return {
    model,
    dims,
    shapes,
    sizes: shapes.map(numel),
    live,
    isLive: (id) => liveSet.has(id),
    consumers,
    outputs: new Set(model.outputs.map((o) => o.node)),
    // A pin on a node no output needs is moot: nothing computes it, so nothing writes it.
    pins: new Set([...pins].filter((id) => liveSet.has(id))),
    limits,
    profile,
    node: (id) => model.graph.node(id),
  };
}
