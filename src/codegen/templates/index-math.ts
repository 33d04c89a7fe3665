/**
 * Index arithmetic shared by the templates: decomposing a linear index over (coalesced) dims into
 * coordinates, and dot products of coordinates with a leaf's strides. Sizes and strides live in
 * uniforms so the WGSL does not change with the bound sizes; only the pattern (which strides are
 * 0 or 1) is baked in.
 */
import { stridesOf } from '../../ir/shape.js';
import type { Scope } from '../expr.js';
import type { Uniforms } from '../wgsl.js';

/** Emits coordinates of `idx` over `dims` (row-major), returning one name per dim. */
export function decompose(scope: Scope, u: Uniforms, idx: string, dims: readonly number[], prefix = 'c'): string[] {
  const n = dims.length;
  if (n === 0) return [];
  if (n === 1) return [idx];
  const out = new Array<string>(n);
  let rest = idx;
  for (let d = n - 1; d >= 1; d--) {
    const size = u.push(dims[d]!);
    out[d] = scope.let(`${rest} % ${size}`, prefix);
    rest = scope.let(`${rest} / ${size}`, 'q');
  }
  out[0] = rest;
  return out;
}

/** sum(coords[d] * strides[d]) with zero strides skipped and unit strides unmultiplied. */
export function dot(u: Uniforms, coords: readonly string[], strides: readonly number[]): string {
  const terms: string[] = [];
  strides.forEach((s, d) => {
    if (s === 0) return;
    terms.push(s === 1 ? coords[d]! : `${coords[d]!} * ${u.push(s)}`);
  });
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

export const isRowMajor = (dims: readonly number[], strides: readonly number[]): boolean => {
  const rm = stridesOf(dims);
  return strides.every((s, d) => s === rm[d] || dims[d] === 1);
};
