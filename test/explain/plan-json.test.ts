/**
 * The plan JSON codec (src/explain/plan-json.ts): every plan fuseplan writes decodes back to the
 * same value, under every strategy and with the compiled model's profile fields; damaged plans are
 * rejected with the path of the bad field and what it must be. No GPU needed.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/api/compile.js';
import { decodePlanJSON, type PlanJSON } from '../../src/explain/plan-json.js';
import { savedPlanText } from '../../src/explain/saved-plan.js';
import { f32, model, softmax } from '../../src/dsl/index.js';
import { STRATEGIES } from '../../src/plan/plan.js';

const m = model('explained', { X: f32([64, 32]), W: f32([32, 16]) }, ({ X, W }) => {
  const h = softmax(X);
  return { y: h.matmul(W).relu(), s: h.sum() };
});

const decoded = (text: string): PlanJSON => {
  const r = decodePlanJSON(text);
  if (E.isLeft(r)) throw new Error(`expected a plan, got: ${r.left.message}`);
  return r.right;
};
const rejection = (text: string): string => {
  const r = decodePlanJSON(text);
  if (E.isRight(r)) throw new Error('expected the plan to be rejected');
  expect(r.left.code).toBe('format');
  return r.left.message;
};

describe('decodePlanJSON', () => {
  it("reads back every plan explain --format json writes, unchanged", () => {
    for (const strategy of STRATEGIES) {
      const text = compile(m, { strategy }).explain('json');
      const plan = decoded(text);
      expect(plan).toEqual(JSON.parse(text));
      expect(plan.strategy).toBe(strategy);
      expect(plan.kernelParameters?.source).toMatch(/^(profile|default)$/);
    }
  });

  it('names the bad field and what was expected', () => {
    const good = JSON.parse(compile(m).explain('json')) as Record<string, unknown>;
    const ops = good.operators as Record<string, unknown>[];
    expect(rejection(JSON.stringify({ ...good, strategy: 'greedy' }))).toBe(
      'not a fuseplan plan (strategy: expected "none" | "fuse-all" | "fuse-no-redundancy" | "cost", got "greedy")',
    );
    expect(rejection(JSON.stringify({ ...good, operators: [{ ...ops[0], launches: '1' }] }))).toMatch(/operators\[0\]\.launches: expected number, got "1"/);
    expect(rejection(JSON.stringify({ ...good, decisions: [{ producer: 1, outcome: 'cut', reason: { kind: 'luck' }, explanation: '' }] }))).toMatch(
      /decisions\[0\]\.reason: expected a decision reason \(template, limit, pin, cost, strategy or output\), got \{"kind":"luck"\}/,
    );
    const { search: _, ...noSearch } = good;
    expect(rejection(JSON.stringify(noSearch))).toMatch(/search: missing \(expected an object\)/);
    expect(rejection('[1, 2]')).toMatch(/^not a fuseplan plan \(expected an object, got \[1,2\]\)$/);
    expect(rejection('{"model": ')).toMatch(/^plan: not JSON \(/);
  });
});

describe('savedPlanText', () => {
  it('shows what the JSON records: operators, estimates, materialized tensors and decisions', () => {
    const c = compile(m);
    const text = savedPlanText(decoded(c.explain('json')));
    expect(text.split('\n')[0]).toBe(`plan 'explained'  strategy cost  dims {}  (saved)`);
    expect(text).toContain(`cost profile: ${c.profile.source}`);
    expect(text.match(/^op \d+ {2}\w+ {2}-> /gm) ?? []).toHaveLength(c.plan.ops.length);
    for (const d of c.plan.decisions.filter((x) => x.consumer !== undefined)) expect(text).toContain(`-> %${d.consumer}:`);
    // The same operator lines as the live plan's explain, minus the flops the JSON does not record.
    const live = c.explain('text').split('\n').filter((l) => l.startsWith('op ') || l.startsWith('    members:') || l.startsWith('    reads:'));
    expect(text.split('\n').filter((l) => l.startsWith('op ') || l.startsWith('    members:') || l.startsWith('    reads:'))).toEqual(live);
  });
});
