/**
 * Typed results for the public API: the same calls as compile() and runtime.run(), returning
 * Either / TaskEither instead of throwing. Left is always a FuseplanError, so a caller can match
 * on its `code`.
 *
 * Only FuseplanErrors become Left. Anything else thrown is a bug in fuseplan (or in a caller's
 * callback), not an outcome to handle: it is rethrown as is, from the *E functions as a throw and
 * from the *TE ones as a rejected promise, so it is never mistaken for bad input.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { FuseplanError } from '../ir/errors.js';
import type { ExecuteOptions, ExecuteResult, Feed, Runnable, Runtime, RuntimeOptions } from '../runtime/types.js';
import { compile, type CompileOptions, type CompiledModel, type ModelLike } from './compile.js';
import { checkFeeds } from './feeds.js';

/** The Left of every typed result: FuseplanErrors pass, anything else is rethrown (see above). */
function fuseplanErrorOrRethrow(e: unknown): FuseplanError {
  if (e instanceof FuseplanError) return e;
  throw e;
}

/** compile() as an Either: Left for a bad model, dims, strategy, limits or materialize list. */
export const compileE = (model: ModelLike, opts?: CompileOptions): E.Either<FuseplanError, CompiledModel> =>
  E.tryCatch(() => compile(model, opts), fuseplanErrorOrRethrow);

/**
 * Checks a run's feeds against a compiled model without a device: Right with the Float32Arrays a
 * run would upload by input name, or Left('input') listing every problem (missing or unknown
 * names, a host tensor of the wrong shape, a wrong length or type).
 */
export const validateFeedsE = (compiled: Runnable, feeds: Readonly<Record<string, Feed>>): E.Either<FuseplanError, Readonly<Record<string, Float32Array>>> =>
  E.tryCatch(() => checkFeeds(compiled, feeds), fuseplanErrorOrRethrow);

/** runtime.run() as a TaskEither: Left('input') for bad feeds, Left('device') for a lost device, ... */
export const runTE = (runtime: Runtime, compiled: Runnable, feeds: Readonly<Record<string, Feed>>, opts?: ExecuteOptions): TE.TaskEither<FuseplanError, ExecuteResult> =>
  TE.tryCatch(() => runtime.run(compiled, feeds, opts), fuseplanErrorOrRethrow);

/** A runtime factory (the Node or the browser one) as a TaskEither: Left('device') when there is no adapter. */
export const liftCreateRuntime =
  (create: (options?: RuntimeOptions) => Promise<Runtime>) =>
  (options?: RuntimeOptions): TE.TaskEither<FuseplanError, Runtime> =>
    TE.tryCatch(() => create(options), fuseplanErrorOrRethrow);
