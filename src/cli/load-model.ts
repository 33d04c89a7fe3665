import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelIR } from '../ir/model.js';
import { UsageError } from './args.js';
import { importOptional } from './optional.js';

export interface LoadedModel {
  readonly ir: ModelIR;
  /** The file's own `export const dims`, if any: defaults under --dims. */
  readonly dims: Record<string, number>;
  readonly file: string;
}

/** Imports a model file (TypeScript or JavaScript) whose default export is a model. */
export async function loadModel(file: string | undefined): Promise<LoadedModel> {
  if (!file) throw new UsageError('missing <model-file> (a .ts or .js file whose default export is a model)');
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`model file not found: ${file}`);
  const mod = (await importModelFile(path, file)) as { default?: unknown; dims?: unknown };
  const m = mod.default as { ir?: ModelIR } | ModelIR | undefined;
  const ir = m && typeof m === 'object' ? ('ir' in m && m.ir ? m.ir : 'graph' in m ? (m as ModelIR) : undefined) : undefined;
  if (!ir) throw new UsageError(`${file}: the default export is not a model (build one with model(...) from 'fuseplan')`);
  const dims = mod.dims && typeof mod.dims === 'object' ? (mod.dims as Record<string, number>) : {};
  return { ir, dims, file };
}

const TS_FILE = /\.[cm]?tsx?$/;
/**
 * The CLI running from its own TypeScript sources (a checkout: bin/fuseplan.mjs registered tsx; or
 * vitest) already loads .ts files. The compiled CLI of an installed package registers tsx, an
 * optional peer dependency, the first time a model file needs it.
 */
const tsLoaderActive = import.meta.url.endsWith('.ts');
let tsx: Promise<typeof import('tsx/esm/api')> | undefined;

function loadTsx(file: string): Promise<typeof import('tsx/esm/api')> {
  tsx ??= importOptional<typeof import('tsx/esm/api')>('tsx/esm/api', `${file} is TypeScript, and loading it needs tsx`, 'npm install --save-dev tsx').then((m) => {
    if (!tsLoaderActive) m.register();
    return m;
  });
  return tsx;
}

/**
 * Imports a model file. A TypeScript file in a package without `"type": "module"` is loaded by tsx
 * as CommonJS, and Node then refuses its import syntax (ERR_REQUIRE_CYCLE_MODULE on Node 20.19+,
 * ERR_REQUIRE_ESM before): load such a file as an ES module through tsx's scoped loader instead.
 */
async function importModelFile(path: string, file: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  const isTs = TS_FILE.test(path);
  if (isTs && !tsLoaderActive) await loadTsx(file);
  try {
    return await import(url);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (!isTs || typeof code !== 'string' || !code.startsWith('ERR_REQUIRE')) throw e;
    const { tsImport } = await loadTsx(file);
    const ns = (await tsImport(url, import.meta.url)) as { default?: unknown };
    // tsx compiles such a file to CommonJS: the namespace's default is then its module.exports.
    const exports = ns.default;
    return exports !== null && typeof exports === 'object' && 'default' in exports ? exports : ns;
  }
}
