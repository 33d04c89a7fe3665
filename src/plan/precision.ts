import type { NodeId } from '../ir/node.js';
import type { Plan } from './plan.js';

/** The intermediates a plan stores as f16 (none without a precision budget). */
export const f16Nodes = (plan: Plan): ReadonlySet<NodeId> => new Set((plan.precision?.choices ?? []).filter((c) => c.storage === 'f16').map((c) => c.node));
