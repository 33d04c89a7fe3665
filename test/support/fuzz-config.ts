import fc from 'fast-check';

/**
 * fast-check parameters for the random-DAG properties. Each property runs twice: on a fixed seed
 * (the same cases every run, so a regression shows up deterministically) and on a fresh random
 * one (new cases every run). Both seeds are printed; FUSEPLAN_SEED=... replays one (then only that
 * seed runs), FUSEPLAN_PATH=... shrinks straight to a counterexample, and FUSEPLAN_RUNS scales a
 * run up (npm run fuzz).
 */
export const FIXED_SEED = 20261202;

export function fuzzParams<T>(defaultRuns: number, seed?: number): fc.Parameters<T> {
  const chosen = seed ?? (process.env.FUSEPLAN_SEED !== undefined ? Number(process.env.FUSEPLAN_SEED) : randomSeed());
  const runs = process.env.FUSEPLAN_RUNS !== undefined ? Number(process.env.FUSEPLAN_RUNS) : defaultRuns;
  const path = process.env.FUSEPLAN_PATH;
  return {
    seed: chosen,
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
      console.log(`property held on ${out.numRuns} cases, seed ${out.seed}`);
    },
  };
}

const randomSeed = (): number => (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

/** The seeds a property runs on: FUSEPLAN_SEED alone when set, else the fixed seed and a random one. */
export function fuzzSeeds(): number[] {
  return process.env.FUSEPLAN_SEED !== undefined ? [Number(process.env.FUSEPLAN_SEED)] : [FIXED_SEED, randomSeed()];
}

/** Checks an asynchronous property on each of fuzzSeeds(), `runs` cases per seed. */
export async function assertAsyncProperty<T>(property: fc.IAsyncProperty<T>, runs: number): Promise<void> {
  for (const seed of fuzzSeeds()) await fc.assert(property, fuzzParams(runs, seed));
}
