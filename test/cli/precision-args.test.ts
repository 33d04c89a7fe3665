/** `--max-rel-error` / `--input-ranges` on the command line -> compile()'s precision option. */
import { describe, expect, it } from 'vitest';
import { parsePrecision, UsageError } from '../../src/cli/args.js';
import { f32, model } from '../../src/dsl/index.js';

const m = model('m', { x: f32([4]), y: f32([4]) }, ({ x, y }) => ({ z: x.add(y) })).ir;

describe('precision flags', () => {
  it('no budget, no option; inputs default to [-1, 1]; ranges override per input', () => {
    expect(parsePrecision(m, undefined, undefined)).toBeUndefined();
    expect(parsePrecision(m, '1e-3', undefined)).toEqual({ maxRelError: 1e-3, inputRanges: { x: [-1, 1], y: [-1, 1] } });
    expect(parsePrecision(m, '0.01', 'x=-2.5:4, y=0:1e3')).toEqual({ maxRelError: 0.01, inputRanges: { x: [-2.5, 4], y: [0, 1000] } });
  });

  it('rejects malformed flags as usage errors', () => {
    expect(() => parsePrecision(m, undefined, 'x=0:1')).toThrow(UsageError);
    expect(() => parsePrecision(m, '-1', undefined)).toThrow(/--max-rel-error: expected a positive number/);
    expect(() => parsePrecision(m, 'abc', undefined)).toThrow(UsageError);
    expect(() => parsePrecision(m, '1e-3', 'x=0')).toThrow(/--input-ranges: expected NAME=LO:HI/);
    expect(() => parsePrecision(m, '1e-3', 'x=a:b')).toThrow(/--input-ranges/);
  });
});
