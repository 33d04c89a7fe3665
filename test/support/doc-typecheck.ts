import { resolve } from 'node:path';
import ts from 'typescript';

export interface Snippet {
  /** File name the snippet is checked as, relative to the repository root. */
  readonly name: string;
  readonly source: string;
  /** The doc it is written in and the line of its opening fence, for messages. */
  readonly doc: string;
  readonly fenceLine: number;
}

/**
 * Type-checks documentation snippets in one program, as virtual files at the repository root (so a
 * snippet's `./src/...` imports and its `./model.js` next to another snippet resolve), with
 * 'fuseplan' mapped to the sources as `fuseplan check` does in a checkout. Returns one message per
 * error, naming the doc line the snippet came from.
 */
export function typecheckSnippets(root: string, snippets: readonly Snippet[]): string[] {
  const byPath = new Map(snippets.map((s) => [resolve(root, s.name), s]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node', '@webgpu/types'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    paths: { fuseplan: [resolve(root, 'src/index.ts')], 'fuseplan/browser': [resolve(root, 'src/browser.ts')] },
  };
  const host = ts.createCompilerHost(options);
  // Type roots and relative names resolve from the repository, whatever the process's cwd.
  host.getCurrentDirectory = () => root;
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => byPath.has(resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => byPath.get(resolve(f))?.source ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const s = byPath.get(resolve(f));
    return s ? ts.createSourceFile(f, s.source, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const s = d.file ? byPath.get(resolve(d.file.fileName)) : undefined;
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      const where = s ? `${s.doc}:${s.fenceLine + at}` : d.file ? `${d.file.fileName}:${at}` : '';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
