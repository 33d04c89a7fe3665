import { UsageError } from './args.js';

/**
 * Imports one of fuseplan's optional peer dependencies (tsx, typescript), or fails with exit code 1
 * and the command that installs it. Only a missing package is turned into that message; a package
 * that is there but fails to load is a real error and propagates as one.
 */
export async function importOptional<T>(specifier: string, why: string, install: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(specifier.split('/')[0]!);
    if (!missing) throw e;
    throw new UsageError(`${why}, an optional peer dependency of fuseplan that is not installed: ${install}`);
  }
}
