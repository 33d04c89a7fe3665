/**
 * The JSON form of a plan (`fuseplan explain --format json`, `compiled.toJSON()`) as io-ts codecs.
 * explainJSON's return type is this codec's type, so what is written and what decodePlanJSON
 * accepts cannot drift; a saved plan can be read back, checked, and shown again.
 */
import type * as E from 'fp-ts/lib/Either.js';
import { chain } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { effectiveKernelParams } from '../cost/profile.js';
import { decodeWith, nonNegativeInteger, parseJSON, type SameType } from '../ir/decode.js';
import type { FuseplanError } from '../ir/errors.js';
import type { SearchStats } from '../plan/plan.js';

const nodeId = nonNegativeInteger;
const shape = t.readonlyArray(t.number);
const strategy = t.keyof({ none: null, 'fuse-all': null, 'fuse-no-redundancy': null, cost: null });
const NamedTensor = t.readonly(t.type({ id: nodeId, name: t.string, shape }));

const OperatorJSON = t.readonly(
  t.intersection([
    t.type({
      id: nonNegativeInteger,
      template: t.keyof({ single: null, cell: null, magg: null, row: null, matmul: null }),
      /** Member nodes with their op (e.g. `add`, `input 'x'`) and shape. */
      nodes: t.readonlyArray(t.readonly(t.type({ id: nodeId, op: t.string, shape }))),
      inputs: t.readonlyArray(NamedTensor),
      outputs: t.readonlyArray(NamedTensor),
      estimatedMs: t.number,
      launches: t.number,
      bytesRead: t.number,
      bytesWritten: t.number,
    }),
    /** Codegen's note, e.g. "2 kernels". */
    t.partial({ kernel: t.string }),
  ]),
);

const Reason = t.union(
  [
    t.type({ kind: t.literal('template'), rule: t.string }),
    t.type({ kind: t.literal('limit'), limit: t.string, needed: t.number, allowed: t.number }),
    t.type({ kind: t.literal('pin') }),
    t.type({ kind: t.literal('cost'), chosenMs: t.number, alternativeMs: t.number }),
    t.type({ kind: t.literal('strategy'), strategy }),
    t.type({ kind: t.literal('output') }),
  ],
  'a decision reason (template, limit, pin, cost, strategy or output)',
);

const DecisionJSON = t.readonly(
  t.intersection([
    t.type({ producer: nodeId, outcome: t.keyof({ cut: null, fused: null }), reason: Reason, explanation: t.string }),
    t.partial({ consumer: nodeId }),
  ]),
);

const SearchJSON = t.readonly(t.type({ partitions: t.number, interestingPoints: t.number, plansEvaluated: t.number, plansPruned: t.number, exhaustive: t.boolean }));
const searchMatches: SameType<t.TypeOf<typeof SearchJSON>, SearchStats> = true;

const numOrNull = t.union([t.number, t.null]);
/** Precision choices (present when compiled with a budget); unbounded numbers are null. */
const PrecisionJSON = t.readonly(
  t.type({
    maxRelError: t.number,
    f32EstimatedMs: t.number,
    intermediates: t.readonlyArray(
      t.readonly(
        t.type({
          id: nodeId,
          name: t.string,
          storage: t.keyof({ f32: null, f16: null }),
          reason: t.keyof({ f16: null, budget: null, overflow: null, range: null, statistic: null, kernel: null, device: null, output: null, cost: null }),
          explanation: t.string,
          range: t.tuple([numOrNull, numOrNull]),
          bytesSaved: t.number,
        }),
      ),
    ),
    outputs: t.readonlyArray(t.readonly(t.type({ id: nodeId, name: t.string, magnitude: numOrNull, addedError: numOrNull }))),
  }),
);

/** What explainJSON writes: the plan, without the profile it was costed with. */
const ExplainJSONCodec = t.readonly(
  t.intersection([
    t.type({
      model: t.string,
      strategy,
      dims: t.record(t.string, t.number),
      /** Nodes in the model's graph. */
      nodes: t.number,
      operators: t.readonlyArray(OperatorJSON),
      materialized: t.readonlyArray(NamedTensor),
      decisions: t.readonlyArray(DecisionJSON),
      estimatedMs: t.number,
      planningMs: t.number,
      search: SearchJSON,
    }),
    t.partial({ memory: t.readonly(t.type({ peakBytes: t.number, totalIntermediateBytes: t.number })), precision: PrecisionJSON }),
  ]),
);
export type ExplainJSON = t.TypeOf<typeof ExplainJSONCodec>;

const KernelParametersJSON = t.readonly(
  t.type({
    cell: t.type({ vec4PerThread: t.number, scalarPerThread: t.number }),
    reduce: t.type({ layout: t.keyof({ thread: null, group: null }) }),
    row: t.type({ minLanes: t.number, cacheMax: t.number }),
    indexing: t.keyof({ literal: null, uniform: null }),
    source: t.keyof({ profile: null, default: null }),
  }),
);
const kernelParametersMatch: SameType<t.TypeOf<typeof KernelParametersJSON>, ReturnType<typeof effectiveKernelParams>> = true;
void [searchMatches, kernelParametersMatch];

/** A compiled model's JSON (`explain --format json`): explainJSON's fields plus the profile it was planned with. */
const PlanJSONCodec = t.intersection([ExplainJSONCodec, t.partial({ profile: t.string, kernelParameters: KernelParametersJSON })], 'plan');
export type PlanJSON = t.TypeOf<typeof PlanJSONCodec>;

/** A saved plan (the text of `fuseplan explain --format json`), or FuseplanError('format') saying which field is wrong. */
export function decodePlanJSON(text: string): E.Either<FuseplanError, PlanJSON> {
  return chain((doc: unknown) => decodeWith(PlanJSONCodec, doc, 'not a fuseplan plan'))(parseJSON(text, 'plan'));
}
