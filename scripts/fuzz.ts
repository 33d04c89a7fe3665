/**
 * npm run fuzz -- --dags 100000 [--seed 123] [--chunk 250] [--strategy cost] [--state FILE] [--fresh]
 *
 * The random-DAG equivalence check (test/support/equivalence.ts: plan, run on the GPU, compare
 * with the float64 reference and its error bounds) on `dags` random DAGs, each under every strategy
 * (or only --strategy) with a random codegen variant. In process, on one runtime, in chunks of
 * `chunk` DAGs; chunk i uses seed + i. After each chunk the progress goes to a state file
 * (default .cache/fuzz-state.json), so a long run stopped at any point resumes where it was when
 * the same command runs again (--fresh starts over). On a mismatch fast-check shrinks the DAG and
 * the script prints the shrunk counterexample and the commands that replay it, then exits 1.
 */
import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { STRATEGIES, type Strategy } from '../src/plan/plan.js';
import { createRuntime } from '../src/runtime/index.js';
import { checkEquivalence, equivalenceCase, newStats } from '../test/support/equivalence.js';

const { values } = parseArgs({
  options: {
    dags: { type: 'string', default: '1000' },
    runs: { type: 'string' }, // the old name of --dags
    seed: { type: 'string' },
    chunk: { type: 'string', default: '250' },
    strategy: { type: 'string' },
    state: { type: 'string', default: '.cache/fuzz-state.json' },
    fresh: { type: 'boolean', default: false },
  },
});

const int = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got ${v}`);
    process.exit(2);
  }
  return n;
};

interface State {
  readonly seed: number;
  readonly dags: number;
  readonly chunk: number;
  readonly strategies: readonly Strategy[];
  chunksDone: number;
  elapsedMs: number;
  elements: number;
  unbounded: number;
  worst: number;
}

const dags = int('dags', values.runs ?? values.dags, 1);
const chunk = Math.min(dags, int('chunk', values.chunk, 1));
if (values.strategy !== undefined && !(STRATEGIES as readonly string[]).includes(values.strategy)) {
  console.error(`--strategy must be one of ${STRATEGIES.join(', ')}`);
  process.exit(2);
}
const strategies: readonly Strategy[] = values.strategy !== undefined ? [values.strategy as Strategy] : STRATEGIES;
const seed0 = values.seed !== undefined ? int('seed', values.seed, -(2 ** 31)) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

function loadState(): State {
  const fresh: State = { seed: seed0, dags, chunk, strategies, chunksDone: 0, elapsedMs: 0, elements: 0, unbounded: 0, worst: 0 };
  if (values.fresh) return fresh;
  try {
    const s = JSON.parse(readFileSync(values.state!, 'utf8')) as State;
    const same = s.dags === dags && s.chunk === chunk && s.strategies.join() === strategies.join() && (values.seed === undefined || s.seed === seed0);
    if (same) return s;
  } catch {
    // no state yet
  }
  return fresh;
}

const saveState = (s: State): void => {
  mkdirSync(dirname(values.state!), { recursive: true });
  writeFileSync(values.state!, JSON.stringify(s, null, 2));
};

const fmtTime = (ms: number): string => (ms >= 3600e3 ? `${(ms / 3600e3).toFixed(1)} h` : ms >= 60e3 ? `${(ms / 60e3).toFixed(1)} min` : `${(ms / 1000).toFixed(0)} s`);

const state = loadState();
const chunks = Math.ceil(dags / chunk);
const label = strategies.length === 1 ? `strategy ${strategies[0]}` : 'every strategy';
console.log(`fuzz: ${dags} random DAGs x ${label}, ${chunks} chunks of ${chunk}, first seed ${state.seed}${state.chunksDone > 0 ? `; resuming after chunk ${state.chunksDone}` : ''}`);
const gpu = await createRuntime();
try {
  for (let i = state.chunksDone; i < chunks; i++) {
    const n = Math.min(chunk, dags - i * chunk);
    const seed = (state.seed + i) | 0;
    const stats = newStats();
    const t = performance.now();
    const property = fc.asyncProperty(equivalenceCase(), async ([recipe, kernels]) => {
      for (const s of strategies) await checkEquivalence(gpu, recipe, kernels, s, stats);
    });
    const result = await fc.check(property, { seed, numRuns: n, endOnFailure: false });
    if (result.failed) {
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      console.log(`\nchunk ${i + 1}: seed ${seed}: MISMATCH after ${result.numRuns} DAGs (shrunk ${result.numShrinks} times)`);
      console.log(`shrunk counterexample: ${JSON.stringify(result.counterexample)}\n${why}`);
      console.log(`\nreplay: npm run fuzz -- --dags ${n} --chunk ${n} --seed ${seed} --fresh${values.strategy ? ` --strategy ${values.strategy}` : ''}`);
      console.log(`   or: FUSEPLAN_SEED=${seed} FUSEPLAN_RUNS=${n} FUSEPLAN_PATH=${result.counterexamplePath} npx vitest run test/api/equivalence.test.ts`);
      process.exitCode = 1;
      break;
    }
    const ms = performance.now() - t;
    Object.assign(state, {
      chunksDone: i + 1,
      elapsedMs: state.elapsedMs + ms,
      elements: state.elements + stats.elements,
      unbounded: state.unbounded + stats.unbounded,
      worst: Math.max(state.worst, stats.worst),
    });
    saveState(state);
    const doneDags = Math.min(dags, state.chunksDone * chunk);
    const eta = (state.elapsedMs / doneDags) * (dags - doneDags);
    console.log(`chunk ${i + 1}/${chunks}: seed ${seed}, ${n} DAGs in ${fmtTime(ms)}; ${doneDags}/${dags} done, ETA ${fmtTime(eta)}`);
  }
  if (state.chunksDone === chunks) {
    console.log(
      `fuzz: ${dags} random DAGs x ${label} matched the float64 reference within their error bounds in ${fmtTime(state.elapsedMs)} ` +
        `(seeds ${state.seed}..${(state.seed + chunks - 1) | 0}; ${state.elements} output elements, ${state.unbounded} unbounded, worst ${(state.worst * 100).toFixed(1)}% of a bound)`,
    );
  }
} finally {
  gpu.destroy();
}
