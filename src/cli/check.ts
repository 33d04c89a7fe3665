import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import { UsageError } from './args.js';
import { importOptional } from './optional.js';

/**
 * The CLI running from its sources is a checkout: there 'fuseplan' means these sources, for the
 * checker as for a model that runs (bin/fuseplan.mjs maps the import the same way), because a fresh
 * checkout has no dist/ for the package's exports to point at.
 */
const fromSource = import.meta.url.endsWith('.ts');
const SOURCE_ENTRIES = { fuseplan: '../index.ts', 'fuseplan/browser': '../browser.ts' };

/** Settings for a model file with no tsconfig.json above it: strict, ES modules as Node runs them. */
const DEFAULTS = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], strict: true, skipLibCheck: true };

/**
 * `fuseplan check <model.ts>`: the TypeScript checker on that one file, with the settings of the
 * tsconfig.json that governs it. The DSL puts shapes in the types, so a mismatch such as
 * "matmul: inner dims differ" is a type error here, before anything runs.
 */
export async function checkCommand(file: string, out: (s: string) => void): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`model file not found: ${file}`);
  const mod = await importOptional<typeof TS & { default?: typeof TS }>('typescript', '`fuseplan check` runs the TypeScript checker', 'npm install --save-dev typescript');
  // typescript is CommonJS: depending on the loader its API is the namespace or its default export.
  const ts = mod.default ?? mod;
  const program = ts.createProgram({ rootNames: [path], options: compilerOptions(ts, path) });
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) {
    out(`${file}: no type errors\n`);
    return;
  }
  const host: TS.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnostics(errors, host));
  throw new UsageError(`${file}: ${errors.length} type error${errors.length === 1 ? '' : 's'}`);
}

function compilerOptions(ts: typeof TS, path: string): TS.CompilerOptions {
  const configFile = ts.findConfigFile(dirname(path), (f) => ts.sys.fileExists(f));
  let options: TS.CompilerOptions;
  if (configFile) {
    const fail = (d: TS.Diagnostic): never => {
      throw new UsageError(`${configFile}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    };
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: fail });
    if (!parsed) throw new UsageError(`${configFile}: cannot be read`);
    // The config's own file list is not checked (only this model is), so "no inputs" is no error.
    const bad = parsed.errors.find((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003);
    if (bad) fail(bad);
    options = parsed.options;
  } else {
    options = ts.convertCompilerOptionsFromJson(DEFAULTS, dirname(path)).options;
  }
  options = { ...options, noEmit: true };
  if (fromSource) {
    const paths = Object.fromEntries(Object.entries(SOURCE_ENTRIES).map(([name, rel]) => [name, [fileURLToPath(new URL(rel, import.meta.url))]]));
    options.paths = { ...options.paths, ...paths };
  }
  return options;
}
