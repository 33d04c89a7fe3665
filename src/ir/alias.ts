import type { Node, NodeId } from './node.js';

/**
 * The node whose buffer holds a tensor's data: reshapes are followed to their operand, since a
 * reshape never moves row-major data and so owns no buffer of its own. Every stage that maps
 * tensors to buffers (planning what to materialize, binding kernels, pooling memory) asks here.
 */
export function aliasBase(g: { node(id: NodeId): Node }, id: NodeId): NodeId {
  let n = g.node(id);
  while (n.op === 'reshape') n = g.node(n.inputs[0]!);
  return n.id;
}
