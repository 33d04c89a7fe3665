/**
 * The `single` template: one primitive op, one kernel, exactly the unfused baseline's kernel, so a
 * plan that fuses nothing costs what strategy `none` costs.
 */
import { limitError } from '../../ir/errors.js';
import { singleOpKernel } from '../unfused.js';
import { aliasBase } from '../../ir/alias.js';
import { opName, templateError, type OpLowering, type TemplateContext } from './common.js';

export function singleTemplate(ctx: TemplateContext): OpLowering {
  const { op, graph, shapes } = ctx;
  const m = op.members[0];
  if (op.members.length !== 1 || m === undefined || op.outputs.length !== 1 || op.outputs[0] !== m) {
    throw templateError(op, 'a single op has exactly one member, which is its output');
  }
  const n = graph.node(m);
  const bindings = n.inputs.length + 1;
  if (bindings > ctx.limits.maxStorageBuffersPerShaderStage) {
    throw limitError(`${opName(op)} needs ${bindings} storage buffers; the device allows ${ctx.limits.maxStorageBuffersPerShaderStage}`);
  }
  const k = singleOpKernel({
    node: n,
    shape: shapes[m]!,
    inputShapes: n.inputs.map((i) => shapes[i]!),
    maxWorkgroupsPerDim: ctx.limits.maxComputeWorkgroupsPerDimension,
    indexing: ctx.indexing,
  });
  return {
    kernels: [{ wgsl: k.wgsl, uniforms: k.uniforms, dispatch: k.dispatch, workgroupBytes: k.workgroupBytes, reads: n.inputs.map((i) => ({ node: aliasBase(graph, i) })), writes: [{ node: m }] }],
    scratchBytes: [],
  };
}
