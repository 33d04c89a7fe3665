import { SingleBar } from 'cli-progress';
import type { PrecisionOption } from '../api/precision-option.js';
import { FuseplanError } from '../ir/errors.js';
import type { ModelIR } from '../ir/model.js';
import { STRATEGIES, type Strategy } from '../plan/plan.js';
import { useColor } from './colors.js';

/** A mistake on the command line: exit code 1 with a one-line message. */
export class UsageError extends Error {}

/** `B=64,T=128` -> { B: 64, T: 128 } */
export function parseDims(spec: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (spec === undefined || spec.trim() === '') return out;
  for (const part of spec.split(',')) {
    const m = part.trim().match(/^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/);
    if (!m) throw new UsageError(`--dims: expected NAME=SIZE[,NAME=SIZE...], got '${part}'`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function parseStrategy(s: string | undefined): Strategy {
  const v = (s ?? 'cost') as Strategy;
  if (!STRATEGIES.includes(v)) throw new UsageError(`--strategy: '${s}' is not one of ${STRATEGIES.join(', ')}`);
  return v;
}

/**
 * `--max-rel-error 1e-3 [--input-ranges x=-1:1,y=0:2]` -> compile()'s precision option. Inputs
 * without a range get [-1, 1], the range of the random inputs `fuseplan run` feeds.
 */
export function parsePrecision(model: ModelIR, maxRelError: string | undefined, ranges: string | undefined): PrecisionOption | undefined {
  if (maxRelError === undefined) {
    if (ranges !== undefined) throw new UsageError('--input-ranges needs --max-rel-error');
    return undefined;
  }
  const e = Number(maxRelError);
  if (!(e > 0) || !Number.isFinite(e)) throw new UsageError(`--max-rel-error: expected a positive number, got '${maxRelError}'`);
  const inputRanges: Record<string, [number, number]> = Object.fromEntries(model.inputs.map((i) => [i.name, [-1, 1]]));
  for (const part of (ranges ?? '').split(',').filter((p) => p.trim() !== '')) {
    const m = part.trim().match(/^([A-Za-z_][A-Za-z0-9_]*)=([^:]+):(.+)$/);
    const [lo, hi] = m ? [Number(m[2]), Number(m[3])] : [NaN, NaN];
    if (!m || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new UsageError(`--input-ranges: expected NAME=LO:HI[,NAME=LO:HI...], got '${part}'`);
    inputRanges[m[1]!] = [lo, hi];
  }
  return { maxRelError: e, inputRanges };
}

/** Exit codes: 0 ok, 1 the user's mistake (bad flags, bad model, bad dims), 2 our bug or the device's failure. */
export function exitCodeFor(e: unknown): 1 | 2 {
  if (e instanceof UsageError) return 1;
  const code = fuseplanErrorCode(e);
  if (code !== undefined) return code === 'device' || code === 'limit' ? 2 : 1;
  return 2;
}

/**
 * The code of a FuseplanError, recognised by its name and code rather than by `instanceof`: a model
 * file can load a second copy of the library (another install, or tsx's scoped loader for CommonJS
 * projects), and the exit code must not depend on which copy's class threw.
 */
function fuseplanErrorCode(e: unknown): string | undefined {
  if (e instanceof FuseplanError) return e.code;
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && e.name === `FuseplanError[${code}]` ? code : undefined;
}

/** cli-table3 colours its borders and headers itself: plain text when stdout is not a terminal. */
export function tableStyle(): { style: { head: string[]; border: string[] } } | Record<string, never> {
  return useColor(process.stdout) ? {} : { style: { head: [], border: [] } };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Step progress on stderr for commands that can run longer than a second: a bar on a terminal
 * (cli-progress), nothing when stderr is piped (logs stay clean; results go to stdout).
 */
export function stepProgress(total: number, title: string): { step(label: string): void; done(): void } {
  if (!process.stderr.isTTY) return { step: () => {}, done: () => {} };
  const bar = new SingleBar({ format: `${title} [{bar}] {value}/{total} {label}`, stream: process.stderr, clearOnComplete: true, hideCursor: true });
  bar.start(total, 0, { label: '' });
  let n = 0;
  return {
    step: (label) => bar.update(++n, { label }),
    done: () => bar.stop(),
  };
}
