/**
 * Typed errors. Every error fuseplan throws on purpose is a FuseplanError with a `code`, so callers
 * can `match` on it instead of parsing messages.
 */
export type ErrorCode =
  | 'shape' // shapes that do not broadcast, bad axes, mismatched matmul dims
  | 'binding' // symbolic dims unbound, conflicting or invalid
  | 'input' // a run's inputs: missing, wrong length, wrong dtype
  | 'model' // malformed models: no outputs, duplicate names, foreign nodes
  | 'device' // no adapter, device lost, out of memory
  | 'limit' // a device limit a tensor or kernel cannot meet
  | 'format'; // a document fuseplan reads (a saved plan, a stored profile) that is not one

export class FuseplanError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = `FuseplanError[${code}]`;
  }
}

export const shapeError = (msg: string): FuseplanError => new FuseplanError('shape', msg);
export const bindingError = (msg: string): FuseplanError => new FuseplanError('binding', msg);
export const inputError = (msg: string): FuseplanError => new FuseplanError('input', msg);
export const modelError = (msg: string): FuseplanError => new FuseplanError('model', msg);
export const limitError = (msg: string): FuseplanError => new FuseplanError('limit', msg);
