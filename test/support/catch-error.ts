import { FuseplanError } from '../../src/ir/errors.js';

/** The FuseplanError that f throws; fails the test if f returns or throws anything else. */
export function catchFuseplanError(f: () => unknown): FuseplanError {
  try {
    f();
  } catch (e) {
    if (e instanceof FuseplanError) return e;
    throw e;
  }
  throw new Error('expected a FuseplanError');
}
