/**
 * npm run fuzz -- --runs 5000 [--seed 123] [--chunk 500] [--strategy cost]
 *
 * Runs the random-DAG equivalence property (test/api/equivalence.test.ts: every strategy's GPU
 * result against the float64 reference) on `runs` random DAGs, in chunks of `chunk` DAGs, each
 * chunk a vitest process with FUSEPLAN_SEED / FUSEPLAN_RUNS set. Every DAG runs under every
 * strategy (or only --strategy). Prints each chunk's seed as it starts, and on a failure the
 * command that replays it; exits 1 on the first failing chunk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    chunk: { type: 'string', default: '500' },
    strategy: { type: 'string' },
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
const runs = int('runs', values.runs, 1);
const chunk = Math.min(runs, int('chunk', values.chunk, 1));
const seed0 = values.seed !== undefined ? int('seed', values.seed, -(2 ** 31)) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const TEST = 'test/api/equivalence.test.ts';
const vitest = resolve('node_modules/vitest/vitest.mjs');
if (!existsSync(vitest)) {
  console.error('vitest not found; run this from the repository root after npm ci');
  process.exit(2);
}

const filter = values.strategy !== undefined ? ['-t', `strategy ${values.strategy}:`] : [];
const strategies = values.strategy !== undefined ? 1 : 4;
console.log(`fuzz: ${runs} random DAGs x ${strategies === 1 ? `strategy ${values.strategy}` : 'every strategy'}, chunks of ${chunk}, first seed ${seed0}`);
const t0 = Date.now();
let done = 0;
for (let i = 0; done < runs; i++) {
  const n = Math.min(chunk, runs - done);
  const seed = (seed0 + i) | 0;
  const replay = `FUSEPLAN_SEED=${seed} FUSEPLAN_RUNS=${n} npx vitest run ${TEST}${filter.length ? ` -t '${filter[1]}'` : ''}`;
  process.stdout.write(`chunk ${i + 1}: seed ${seed}, ${n} DAGs ... `);
  const t = Date.now();
  const r = spawnSync(process.execPath, [vitest, 'run', TEST, '--testTimeout=86400000', ...filter], {
    env: { ...process.env, FUSEPLAN_SEED: String(seed), FUSEPLAN_RUNS: String(n) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) {
    console.log('FAILED');
    console.log(out.split('\n').filter((l) => !l.includes('artificially reduced')).slice(-80).join('\n'));
    console.log(`\nreplay: ${replay}\n(the property's own message above names the seed and the shrunk counterexample's FUSEPLAN_PATH)`);
    process.exit(1);
  }
  done += n;
  console.log(`ok (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
const s = ((Date.now() - t0) / 1000).toFixed(0);
console.log(`fuzz: ${done} random DAGs x ${strategies} strateg${strategies === 1 ? 'y' : 'ies'} = ${done * strategies} runs matched the float64 reference in ${s} s (seeds ${seed0}..${(seed0 + Math.ceil(runs / chunk) - 1) | 0})`);
