/**
 * The compiler's wording: each rejected program must fail at its own line, with the ShapeError
 * text naming the problem. Runs tsc over a virtual file that imports the real DSL.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const virtualFile = join(here, '__messages__.ts');

const preamble = `
import { add, f32, feeds, hostTensor, layerNorm, linear, mean, model, softmax, sum, transpose, where, type Tensor } from '../../src/dsl/index.js';
declare const a: Tensor<readonly [3, 4]>;
declare const b: Tensor<readonly [5]>;
declare const x: Tensor<readonly ['B', 784]>;
declare const c: Tensor<readonly ['C']>;
declare const w: Tensor<readonly [256, 10]>;
declare const bt: Tensor<readonly [2, 3, 4]>;
declare const d: Float32Array;
const mlp = model('mlp', { x: f32(['B', 784]), b: f32([256]) }, ({ x }) => ({ y: x.sum(-1) }));
const two = model('two', { x: f32(['B', 4]), y: f32(['B', 2]) }, ({ x, y }) => ({ z: x.sum(-1).add(y.sum(-1)) }));
`;

/** [program line, text the error must contain]. */
const cases: [string, string][] = [
  ['a.add(b);', 'ShapeError<"cannot broadcast [3, 4] with [5]: dim 4 vs 5">'],
  ['add(b, a);', 'cannot broadcast [5] with [3, 4]: dim 5 vs 4'],
  ['x.mul(c);', "cannot broadcast ['B', 784] with ['C']: dim 784 vs 'C'"],
  ["x.transpose().add(c);", "dim 'B' vs 'C'"],
  ['add(1, 2);', 'at least one operand must be a tensor'],
  ['where(a.gt(0), a, b);', 'cannot broadcast [3, 4] with [5]'],
  ['a.matmul(a);', 'matmul: inner dims differ: [3, 4] x [3, 4] (4 vs 3)'],
  ["x.matmul(w);", "matmul: inner dims differ: ['B', 784] x [256, 10] (784 vs 256)"],
  ['bt.matmul(bt.reshape([3, 4, 2]));', 'matmul: batch dims: cannot broadcast [2] with [3]: dim 2 vs 3'],
  ['b.matmul(w);', 'matmul: operands must have rank 2 or 3, got [5] and [256, 10]'],
  ['a.sum(2);', 'sum: axis 2 does not exist in a tensor of rank 2 [3, 4]'],
  ['sum(a, [0, -3]);', 'sum: axis -3 does not exist in a tensor of rank 2 [3, 4]'],
  ['a.max(-3, { keepDims: true });', 'max: axis -3 does not exist'],
  ['x.mean(0);', "mean: axis 0 of ['B', 784] is the symbolic dim 'B'"],
  ['x.mean();', "mean: axis 0 of ['B', 784] is the symbolic dim 'B'"],
  ['mean(x);', "mean: axis 0 of ['B', 784] is the symbolic dim 'B'"],
  ['softmax(a, 5);', 'softmax: axis 5 does not exist'],
  ['layerNorm(x.transpose());', "mean: axis 1 of [784, 'B'] is the symbolic dim 'B'"],
  ['layerNorm(a, b);', 'cannot broadcast [5] to [3, 4]: dim 5 vs 4'],
  ['linear(x, w);', 'matmul: inner dims differ'],
  ['a.transpose([0, 2]);', 'transpose: [0, 2] is not a permutation of the axes of [3, 4]'],
  ['transpose(bt, [1, 0]);', 'transpose: [1, 0] is not a permutation of the axes of [2, 3, 4]'],
  ['b.broadcastTo([3, 4]);', 'cannot broadcast [5] to [3, 4]: dim 5 vs 4'],
  ['a.broadcastTo([4]);', 'cannot broadcast [3, 4] to [4]: rank 2 > 1'],
  ['feeds(mlp, { x: hostTensor([64, 785], d), b: d });', "input 'x' expects ['B', 784], got [64, 785]: dim 784 vs 785"],
  ['feeds(mlp, { x: hostTensor([64], d), b: d });', "input 'x' expects ['B', 784], got [64]: rank 1 vs 2"],
  ['feeds(mlp, { x: d, b: d, q: d });', "'q' is not an input of this model"],
  ['feeds(two, { x: hostTensor([8, 4], d), y: hostTensor([9, 2], d) });', "binds dim 'B' to 8, but another input binds it to 9"],
];

function diagnosticsByLine(source: string): Map<number, string[]> {
  const options: ts.CompilerOptions = {
    ...ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!.options,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) =>
    name === virtualFile ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest);
  host.fileExists = (name) => name === virtualFile || fileExists.call(host, name);
  host.readFile = (name) => (name === virtualFile ? source : readFile.call(host, name));
  const program = ts.createProgram([virtualFile], options, host);
  const sf = program.getSourceFile(virtualFile)!;
  const out = new Map<number, string[]>();
  for (const dgn of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
    const line = sf.getLineAndCharacterOfPosition(dgn.start ?? 0).line;
    out.set(line, [...(out.get(line) ?? []), ts.flattenDiagnosticMessageText(dgn.messageText, '\n')]);
  }
  return out;
}

describe('compile-time shape errors read as messages', () => {
  it('reports each rejection at its own call, naming the mismatch', { timeout: 60_000 }, () => {
    const first = preamble.split('\n').length - 1;
    const source = preamble + cases.map(([code]) => `{ ${code} }`).join('\n') + '\n';
    const diags = diagnosticsByLine(source);
    for (let l = 0; l < first; l++) expect(diags.get(l), `preamble line ${l + 1}`).toBeUndefined();
    cases.forEach(([code, text], i) => {
      const msgs = diags.get(first + i) ?? [];
      expect(msgs.join('\n'), code).toContain(text);
    });
    expect([...diags.keys()].every((l) => l >= first && l < first + cases.length)).toBe(true);
  });
});
