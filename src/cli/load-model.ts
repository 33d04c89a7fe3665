import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelIR } from '../ir/model.js';
import { UsageError } from './args.js';

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
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown; dims?: unknown };
  const m = mod.default as { ir?: ModelIR } | ModelIR | undefined;
  const ir = m && typeof m === 'object' ? ('ir' in m && m.ir ? m.ir : 'graph' in m ? (m as ModelIR) : undefined) : undefined;
  if (!ir) throw new UsageError(`${file}: the default export is not a model (build one with model(...) from 'fuseplan')`);
  const dims = mod.dims && typeof mod.dims === 'object' ? (mod.dims as Record<string, number>) : {};
  return { ir, dims, file };
}
