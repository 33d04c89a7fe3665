/**
 * A minimal writer of ONNX ModelProto bytes (protobuf wire format, the fields onnxruntime reads for
 * float32 graphs: nodes with attributes, named inputs and outputs with static shapes, one opset),
 * so the bench can hand onnxruntime-web the same workloads it gives fuseplan and tfjs without a
 * Python exporter or a protobuf dependency. Field numbers are those of onnx/onnx.proto.
 */
const utf8 = new TextEncoder();

function varint(value: number): number[] {
  const out: number[] = [];
  let n = BigInt(value);
  if (n < 0n) n += 1n << 64n; // negative int64 (e.g. axes = -1) as two's complement
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

const tag = (field: number, wire: 0 | 2 | 5): number[] => varint((field << 3) | wire);
const bytesField = (field: number, bytes: readonly number[]): number[] => [...tag(field, 2), ...varint(bytes.length), ...bytes];
const stringField = (field: number, s: string): number[] => bytesField(field, [...utf8.encode(s)]);
const intField = (field: number, v: number): number[] => [...tag(field, 0), ...varint(v)];

/** An AttributeProto (name = 1, f = 2, i = 3, ints = 8, type = 20). */
export type Attribute = number[];
export const attr = {
  int: (name: string, v: number): Attribute => [...stringField(1, name), ...intField(20, 2), ...intField(3, v)],
  float: (name: string, v: number): Attribute => [...stringField(1, name), ...intField(20, 1), ...tag(2, 5), ...new Uint8Array(new Float32Array([v]).buffer)],
  ints: (name: string, vs: readonly number[]): Attribute => [...stringField(1, name), ...intField(20, 7), ...vs.flatMap((v) => intField(8, v))],
};

/** A NodeProto (input = 1, output = 2, op_type = 4, attribute = 5). */
export type OnnxNode = number[];
export function onnxNode(op: string, inputs: readonly string[], outputs: readonly string[], attrs: readonly Attribute[] = []): OnnxNode {
  return [...inputs.flatMap((i) => stringField(1, i)), ...outputs.flatMap((o) => stringField(2, o)), ...stringField(4, op), ...attrs.flatMap((a) => bytesField(5, a))];
}

/** A float32 tensor's ValueInfoProto: name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 } }. */
function valueInfo(name: string, shape: readonly number[]): number[] {
  const dims = shape.flatMap((d) => bytesField(1, intField(1, d)));
  return [...stringField(1, name), ...bytesField(2, bytesField(1, [...intField(1, 1), ...bytesField(2, dims)]))];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly (readonly [string, readonly number[]])[];
  readonly outputs: readonly (readonly [string, readonly number[]])[];
}

/** ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 }. */
export function onnxModel(g: OnnxGraph, opset = 17): Uint8Array {
  const graph = [
    ...g.nodes.flatMap((n) => bytesField(1, n)),
    ...stringField(2, g.name),
    ...g.inputs.flatMap(([n, s]) => bytesField(11, valueInfo(n, s))),
    ...g.outputs.flatMap(([n, s]) => bytesField(12, valueInfo(n, s))),
  ];
  return new Uint8Array([...intField(1, 8), ...stringField(2, 'fuseplan-bench'), ...bytesField(7, graph), ...bytesField(8, [...stringField(1, ''), ...intField(2, opset)])]);
}
