import type fc from 'fast-check';

/**
 * fast-check parameters for the random-DAG properties: a fixed budget in CI, a seed that can be
 * replayed (FUSEPLAN_SEED=... npm test), and FUSEPLAN_RUNS to scale a run up (npm run fuzz).
 */
export function fuzzParams<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = process.env.FUSEPLAN_SEED !== undefined ? Number(process.env.FUSEPLAN_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
  const runs = process.env.FUSEPLAN_RUNS !== undefined ? Number(process.env.FUSEPLAN_RUNS) : defaultRuns;
  const path = process.env.FUSEPLAN_PATH;
  return {
    seed,
    numRuns: runs,
    ...(path !== undefined ? { path } : {}),
    endOnFailure: false,
    reporter: (out) => {
      if (out.failed) {
        throw new Error(
          `property failed; replay with FUSEPLAN_SEED=${out.seed}${out.counterexamplePath ? ` FUSEPLAN_PATH=${out.counterexamplePath}` : ''}\n` +
            `counterexample: ${JSON.stringify(out.counterexample)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
        );
      }
    },
  };
}
