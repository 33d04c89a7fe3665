import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerPlan } from '../../src/codegen/lower.js';
import { planMemory, type MemoryStep } from '../../src/codegen/memory.js';
import { Graph } from '../../src/ir/graph.js';
import { bindShapes } from '../../src/ir/model.js';
import { WEBGPU_DEFAULT_LIMITS } from '../../src/ir/limits.js';
import { fuzzParams } from '../support/fuzz-config.js';
import { closure, fop, modelOf } from './fused-support.js';

/** Random programs: each step writes fresh tensors, reads some earlier ones, maybe uses scratch. */
const stepsArb = fc
  .array(
    fc.record({
      writes: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 0, maxLength: 3 }),
      reads: fc.array(fc.nat(), { maxLength: 4 }),
      scratch: fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((raw) => {
    let next = 0;
    const steps: MemoryStep[] = [];
    for (const r of raw) {
      const written = next;
      const reads = next === 0 ? [] : [...new Set(r.reads.map((x) => x % written))];
      const writes = r.writes.map((bytes) => ({ id: next++, bytes }));
      steps.push({ reads, writes, scratch: r.scratch });
    }
    return steps;
  });

describe('memory planner', () => {
  it('never lets simultaneously live tenants share a buffer, nor an op read and write one buffer', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const plan = planMemory(steps);
        const def = new Map<number, number>();
        const last = new Map<number, number>();
        steps.forEach((s, i) => {
          for (const w of s.writes) def.set(w.id, i);
          for (const w of s.writes) last.set(w.id, i);
          for (const r of s.reads) last.set(r, Math.max(last.get(r)!, i));
        });
        // Every tenant's live interval, on its physical buffer.
        const intervals: { buf: number; from: number; to: number; bytes: number }[] = [];
        for (const [t, buf] of plan.tensorBuffer) {
          const bytes = steps[def.get(t)!]!.writes.find((w) => w.id === t)!.bytes;
          intervals.push({ buf, from: def.get(t)!, to: last.get(t)!, bytes });
        }
        plan.scratchBuffer.forEach((bufs, i) => bufs.forEach((buf, j) => intervals.push({ buf, from: i, to: i, bytes: steps[i]!.scratch[j]! })));
        for (const a of intervals) {
          expect(plan.buffers[a.buf]!.bytes).toBeGreaterThanOrEqual(a.bytes);
          for (const b of intervals) {
            if (a === b || a.buf !== b.buf) continue;
            expect(a.to < b.from || b.to < a.from, `buffer ${a.buf}: [${a.from}, ${a.to}] and [${b.from}, ${b.to}]`).toBe(true);
          }
        }
        steps.forEach((s, i) => {
          const reads = new Set(s.reads.map((r) => plan.tensorBuffer.get(r)!));
          const writes = [...s.writes.map((w) => plan.tensorBuffer.get(w.id)!), ...plan.scratchBuffer[i]!];
          expect(new Set(writes).size).toBe(writes.length);
          for (const w of writes) expect(reads.has(w)).toBe(false);
        });
        const total = steps.flatMap((s) => s.writes).reduce((a, w) => a + Math.max(4, Math.ceil(w.bytes / 4) * 4), 0);
        expect(plan.totalTensorBytes).toBe(total);
        expect(plan.peakBytes).toBeLessThanOrEqual(plan.allocatedBytes);
      }),
      fuzzParams(300),
    );
  });

  it('reuses buffers along a chain: peak is two tensors, not the sum', () => {
    const g = new Graph();
    const x = g.input('x', [1000]);
    let cur = x;
    const ops = [];
    for (let i = 0; i < 6; i++) {
      const prev = cur;
      cur = g.unary(i % 2 === 0 ? 'exp' : 'neg', g.binary('mul', prev, g.constant(0.5)));
      ops.push(fop(g, i, 'cell', closure(g, [cur], [prev]), [cur]));
    }
    const m = modelOf(g, { x }, { y: cur });
    const l = lowerPlan(m, bindShapes(m, {}), ops, { limits: WEBGPU_DEFAULT_LIMITS });
    expect(l.memory.totalIntermediateBytes).toBe(5 * 4000);
    expect(l.memory.peakBytes).toBe(2 * 4000);
    expect(l.executable.buffers.filter((b) => b.kind === 'intermediate')).toHaveLength(2);
    for (const k of l.executable.kernels) {
      const reads = k.buffers.slice(0, k.buffers.length - k.writes);
      for (const w of k.buffers.slice(k.buffers.length - k.writes)) expect(reads).not.toContain(w);
    }
  });

  it('counts two-pass scratch as live during its op and pools it', () => {
    const g = new Graph();
    const x = g.input('x', [200000]);
    const a = g.unary('exp', g.binary('min', x, g.constant(1)));
    const s = g.reduce('sum', a, 'all');
    const b = g.binary('mul', a, s);
    const t = g.reduce('max', b, 'all');
    const m = modelOf(g, { x }, { t });
    const ops = [fop(g, 0, 'cell', closure(g, [a]), [a]), fop(g, 1, 'cell', [s], [s]), fop(g, 2, 'cell', [b], [b]), fop(g, 3, 'cell', [t], [t])];
    const l = lowerPlan(m, bindShapes(m, {}), ops, { limits: WEBGPU_DEFAULT_LIMITS });
    expect(l.kernelsPerOp).toEqual([1, 2, 1, 2]);
    const scratch = l.executable.buffers.filter((b) => b.label.includes('scratch'));
    expect(scratch.length).toBeGreaterThan(0);
    expect(l.memory.totalIntermediateBytes).toBe(800000 + 4 + 800000);
    // During op 1: a (800 kB), s (4 B) and op 1's partials are live.
    expect(l.memory.peakBytes).toBeGreaterThan(800004);
  });
});
