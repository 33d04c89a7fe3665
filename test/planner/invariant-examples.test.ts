/** The invariant of invariant.test.ts on every example model (slow: a plan per node per model). */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dims, ModelIR } from '../../src/ir/model.js';
import { invariantViolations } from './helpers.js';

const dir = new URL('../../examples/', import.meta.url);
const names = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'demo.ts');

describe('the cost plan is never rated worse than a baseline or a single pin (examples)', () => {
  for (const f of names) {
    it(f, async () => {
      const mod = (await import(new URL(f, dir).href)) as { default: { ir: ModelIR }; dims?: Dims };
      expect(invariantViolations(mod.default.ir, mod.dims ?? {}).join('; ')).toBe('');
    }, 600_000);
  }
});
