import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FuseplanError } from '../../src/ir/errors.js';
import type { Dim } from '../../src/ir/shape.js';
import { add, f32, model, where, type Shape, type Tensor } from '../../src/dsl/index.js';

/** Independent numpy broadcast (right-aligned; 1 stretches), for pairs known to be compatible. */
function npBroadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const pa = [...Array<Dim>(n - a.length).fill(1), ...a];
  const pb = [...Array<Dim>(n - b.length).fill(1), ...b];
  return pa.map((d, i) => (d === 1 ? pb[i]! : d));
}

/** Builds `build` over inputs of the given wide shapes and returns the output's shape. */
function shapeOf(shapes: Shape[], build: (xs: Tensor[]) => Tensor): Shape {
  const specs = Object.fromEntries(shapes.map((s, i) => [`i${i}`, f32(s)]));
  const m = model('prop', specs, (t) => ({ y: build(Object.values(t) as Tensor[]) }));
  return m.outputs.y!;
}

const dim = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom('B', 'N', 'T'));

/** A common result shape, then each side a suffix of it with some dims replaced by 1. */
const compatiblePair = fc.integer({ min: 0, max: 5 }).chain((n) =>
  fc
    .record({
      out: fc.array(dim, { minLength: n, maxLength: n }),
      ra: fc.integer({ min: 0, max: n }),
      rb: fc.integer({ min: 0, max: n }),
      onesA: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      onesB: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    })
    .map(({ out, ra, rb, onesA, onesB }) => ({
      a: out.map((d, i) => (onesA[i] ? 1 : d)).slice(n - ra),
      b: out.map((d, i) => (onesB[i] ? 1 : d)).slice(n - rb),
    })),
);

describe('broadcasting through the DSL (runtime path)', () => {
  it('gives the numpy broadcast shape for compatible pairs, in either order', () => {
    fc.assert(
      fc.property(compatiblePair, ({ a, b }) => {
        const expected = npBroadcast(a, b);
        expect(shapeOf([a, b], ([x, y]) => add(x!, y!))).toEqual(expected);
        expect(shapeOf([a, b], ([x, y]) => y!.mul(x!))).toEqual(expected);
        expect(shapeOf([a, b], ([x, y]) => where(x!, y!, 0))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a pair made incompatible in one aligned dim', () => {
    const broken = compatiblePair
      .filter(({ a, b }) => Math.min(a.length, b.length) > 0)
      .chain(({ a, b }) =>
        fc.record({ k: fc.integer({ min: 1, max: Math.min(a.length, b.length) }), d: fc.tuple(dim, dim) }).map(({ k, d: [da, db] }) => {
          // Two dims that neither match nor contain a 1: distinct and each non-1.
          const x = da === 1 ? 7 : da;
          const y = db === 1 || db === x ? (x === 8 ? 9 : 8) : db;
          const a2 = [...a];
          const b2 = [...b];
          a2[a.length - k] = x;
          b2[b.length - k] = y;
          return { a: a2, b: b2 };
        }),
      );
    fc.assert(
      fc.property(broken, ({ a, b }) => {
        let err: unknown;
        try {
          shapeOf([a, b], ([x, y]) => add(x!, y!));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(FuseplanError);
        expect((err as FuseplanError).code).toBe('shape');
      }),
      { numRuns: 200 },
    );
  });
});

describe('reductions through the DSL (runtime path)', () => {
  it('drop or keep the reduced axes, negative axes included', () => {
    const arb = fc
      .array(dim, { minLength: 1, maxLength: 5 })
      .chain((s) => fc.record({ s: fc.constant(s), axes: fc.subarray(s.map((_, i) => i)), neg: fc.boolean(), keep: fc.boolean() }));
    fc.assert(
      fc.property(arb, ({ s, axes, neg, keep }) => {
        const ax = neg ? axes.map((a) => a - s.length) : axes;
        const expected = keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
        const got = shapeOf([s], ([x]) => x!.sum(ax, { keepDims: keep }));
        expect(got).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
